import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import type { Configuration } from "./configuration.ts";
import { ExporterFunction } from "./exporter-function.ts";
import type { ExporterSettings } from "./settings.ts";

export interface ServingProps {
  settings: ExporterSettings;
  table: ITable;
  configuration: Configuration;
  environment: Record<string, string>;
}

/**
 * The metrics endpoint: a Lambda Function URL that renders the stored counters. It only
 * reads DynamoDB; a scrape never calls Cloudflare.
 *
 * Prometheus cannot SigV4-sign scrapes, so by default the URL is public (auth NONE) and
 * the handler checks a bearer token generated into Secrets Manager at deploy time.
 * `metricsAuth=iam` puts the URL behind AWS_IAM instead (for a SigV4 proxy in front).
 */
export class Serving extends Construct {
  readonly serve: ExporterFunction;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: ServingProps) {
    super(scope, id);
    const { settings, table, configuration } = props;
    const credentials = configuration.scrapeCredentials;
    this.serve = new ExporterFunction(this, "Serve", {
      entry: "lambda/handlers/serve.ts",
      description: "Cloudflare exporter: serves the metrics endpoint",
      // A scrape is CPU-bound (decode, print, gzip). Measured by the bench (docs/benchmarks.md)
      // for 100 Business zones (about 220,000 series): peak RSS 479 MB and 1.8 s of CPU on
      // a full core (2026-12-01). 512 MB would be killed there; 1,024 MB holds it with room and buys
      // about 0.58 vCPU (one vCPU at 1,769 MB), so that scrape takes about 3 s, inside
      // Prometheus' default 10 s timeout and this function's 15 s. A CPU-bound scrape
      // costs about the same GB-seconds at any memory below one vCPU, only slower.
      memorySize: 1024,
      timeout: Duration.seconds(15),
      environment: {
        ...props.environment,
        METRICS_AUTH: settings.metricsAuth,
        ...(credentials ? { SCRAPE_CREDENTIALS_SECRET_ARN: credentials.secretArn } : {}),
      },
      settings,
      // Optional: caps what a runaway scraper can cost and take from the account's concurrency.
      reservedConcurrentExecutions: settings.serveReservedConcurrency,
    });
    const fn = this.serve.function;
    // The stored state is read with GetItem (the account list) and Query (one per account).
    table.grant(fn, "dynamodb:GetItem", "dynamodb:Query");
    credentials?.grantRead(fn);
    configuration.grantParametersRead(this.serve.role);
    this.url = fn.addFunctionUrl({
      authType: settings.metricsAuth === "iam" ? FunctionUrlAuthType.AWS_IAM : FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
  }
}
