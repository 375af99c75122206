import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ExporterStack } from "../lib/exporter-stack.ts";
import { SettingsError, settingsFromContext } from "../lib/settings.ts";

const app = new App();
// Environment-agnostic unless the operator names an account and region.
const account = app.node.tryGetContext("account") as string | undefined;
const region = app.node.tryGetContext("region") as string | undefined;
try {
  new ExporterStack(app, "CloudflareExporter", {
    ...(account && region ? { env: { account, region } } : {}),
    settings: settingsFromContext(app.node),
  });
  // Every synth and deploy runs the AWS Solutions checks; an unacknowledged finding stops it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  // A context mistake is the operator's to fix: say what it is, without a stack trace.
  if (!(error instanceof SettingsError)) throw error;
  console.error(`Cannot synthesize the exporter: ${error.message}`);
  process.exit(1);
}
