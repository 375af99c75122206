import { App } from "aws-cdk-lib";
import { ExporterStack } from "../lib/exporter-stack.ts";

const app = new App();
// Environment-agnostic unless the operator names an account and region.
const account = app.node.tryGetContext("account") as string | undefined;
const region = app.node.tryGetContext("region") as string | undefined;
new ExporterStack(app, "CloudflareExporter", account && region ? { env: { account, region } } : {});
