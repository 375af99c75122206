import { readFileSync } from "node:fs";
import { CfnRuleGroupsNamespace } from "aws-cdk-lib/aws-aps";
import { Construct } from "constructs";

/** rules/cloudflare-exporter.rules.yml: the alert and recording rules, as Prometheus loads them. */
export const prometheusRulesFile = new URL("../rules/cloudflare-exporter.rules.yml", import.meta.url);

/**
 * The exporter's alert and recording rules loaded into an existing Amazon Managed Service
 * for Prometheus workspace (the `ampWorkspaceArn` context key): the same file a
 * self-run Prometheus loads, so AMP and Prometheus alert alike. AMP's alert manager and
 * its notification channel are the workspace owner's to configure.
 */
export class PrometheusRules extends Construct {
  readonly namespace: CfnRuleGroupsNamespace;

  constructor(scope: Construct, id: string, props: { workspaceArn: string }) {
    super(scope, id);
    this.namespace = new CfnRuleGroupsNamespace(this, "Namespace", {
      workspace: props.workspaceArn,
      name: "cloudflare-exporter",
      data: readFileSync(prometheusRulesFile, "utf8"),
    });
  }
}
