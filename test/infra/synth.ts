import { App, type CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { ExporterStack } from "../../lib/exporter-stack.ts";

/**
 * The stack synthesized in memory with the given context. Bundling is skipped (esbuild
 * runs in one test of its own), so a synth takes about a second.
 */
export function synth(
  context: Record<string, unknown> = {},
  env?: { account: string; region: string },
): {
  app: App;
  stack: ExporterStack;
  template: Template;
} {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [], ...context } });
  const stack = new ExporterStack(app, "Test", env ? { env } : {});
  return { app, stack, template: Template.fromStack(stack) };
}

/** The one resource of a type, by its properties. */
export function only(template: Template, type: string): Record<string, unknown> {
  const resources = Object.values(template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  return (resources[0] as { Properties: Record<string, unknown> }).Properties;
}

interface Statement {
  Action: string | string[];
}

/** Every action the policies attached to a role allow, sorted. */
export function actionsOf(stack: ExporterStack, template: Template, role: IConstruct): string[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  const ref = stack.resolve(stack.getLogicalId(role.node.defaultChild as CfnElement)) as string;
  const statements = Object.values(resources)
    .filter((r) => r.Type === "AWS::IAM::Policy")
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${ref}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
}
