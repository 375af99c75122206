import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from "aws-cdk-lib/aws-lambda";
import { Construct } from "constructs";
import type { Configuration } from "./configuration.ts";
import { ExporterFunction } from "./exporter-function.ts";
import type { ExporterSettings } from "./settings.ts";

/**
 * V8's heap limits for the endpoint. Left alone, V8 sizes its young generation and lets the
 * heap grow from what the machine (or the Lambda runtime, from the function's memory) allows,
 * and a scrape's garbage (decompressed records, printed text) then fills hundreds of MB.
 * Capped, it collects sooner: the bench's 100-zone scrape (238,880 samples, about 40 MB of
 * live columns) peaks at 220-250 MB RSS instead of 430-470, for more garbage-collection CPU (up to 40 %
 * in runs side by side on a loaded machine). A 16 MB young generation rather than 8 took about
 * 70 ms off a cold scrape (fewer scavenges) for about 20 MB more; 32 MB went past 270 MB.
 * The bench runs its serve process with these options (bench/main.ts).
 */
export const serveNodeOptions = "--max-old-space-size=256 --max-semi-space-size=16";

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
      // A scrape is CPU-bound (decode, sort, print, gzip). Measured by the bench (docs/benchmarks.md)
      // for 100 Business zones (238,880 samples, 2026-12-01, with serveNodeOptions): peak
      // RSS 220-250 MB (Node and the unbundled sources included), 1.0-1.4 s of CPU on a
      // loaded 2-core machine. 512 MB would hold it twice over; 1,024 MB is chosen for its
      // CPU share (0.58 vCPU; one at 1,769 MB), which halves the scrape's time (about 2 s
      // instead of 4, inside Prometheus' default 10 s and this function's 15 s) for the same
      // GB-seconds: a CPU-bound scrape costs the same at any memory below one vCPU. Above
      // that, the DynamoDB waits would be billed at more memory for little gain.
      memorySize: 1024,
      nodeOptions: serveNodeOptions,
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
    // The stored state is read with GetItem (the account list, a slice's full record), Query
    // (an account's items, the deltas after a full record) and BatchGetItem (a warm scrape's
    // few items per account and ring slots: lambda/serve/warm-state.ts; without it every
    // warm read is refused and the scrape falls back to a cold one).
    table.grant(fn, "dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query");
    credentials?.grantRead(fn);
    configuration.grantParametersRead(this.serve.role);
    this.url = fn.addFunctionUrl({
      authType: settings.metricsAuth === "iam" ? FunctionUrlAuthType.AWS_IAM : FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
  }
}
