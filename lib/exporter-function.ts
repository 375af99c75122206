import { readFileSync } from "node:fs";
import { AssetHashType, DockerImage, type Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { bundleHandler, projectRoot } from "./bundling.ts";
import { acknowledge } from "./nag.ts";
import { type ExporterSettings, lambdaLogFormat } from "./settings.ts";

export { projectRoot };

const packageVersion = (JSON.parse(readFileSync(`${projectRoot}package.json`, "utf8")) as { version: string })
  .version;

export interface ExporterFunctionProps {
  /** Handler file, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  /** Variables beyond the ones every exporter Lambda gets. */
  environment: Record<string, string>;
  /** Node options (V8's heap limits, where a function sets them). */
  nodeOptions?: string;
  settings: ExporterSettings;
  reservedConcurrentExecutions?: number | undefined;
}

/**
 * One exporter Lambda: Node 24 on arm64, bundled locally by esbuild (no Docker) into a
 * minified ES module and the chunks it loads lazily (lib/bundling.ts), logging to its own log group with the configured retention, under
 * a role that may write to that log group and nothing else until grants are added.
 */
export class ExporterFunction extends Construct {
  readonly function: LambdaFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ExporterFunctionProps) {
    super(scope, id);
    const { settings } = props;
    this.logGroup = new LogGroup(this, "Logs", {
      retention: settings.logRetention,
      // Logs are diagnostics, not state: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to
    // every log group in the account; this one writes to its own log group only.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.description} (${Stack.of(this).stackName})`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new LambdaFunction(this, "Function", {
      code: bundled(props.entry),
      handler: "index.handler",
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      logGroup: this.logGroup,
      tracing: settings.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        ...settings.exporterEnvironment,
        ...props.environment,
        // No --enable-source-maps: the bundles map their traces themselves, at the first (lib/stack-maps.ts).
        ...(props.nodeOptions ? { NODE_OPTIONS: props.nodeOptions } : {}),
        EXPORTER_VERSION: packageVersion,
        LOG_FORMAT: lambdaLogFormat,
      },
    });
    if (settings.tracing) {
      acknowledge(
        this.role,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions; Lambda adds them for active tracing.",
      );
    }
  }
}

/**
 * The handler's asset, bundled by lib/bundling.ts in this process (no Docker: the image is
 * never pulled) and hashed by its output, so an unchanged bundle is an unchanged asset.
 * The AWS SDK clients are bundled on purpose: the Lambda runtime's copy changes under us,
 * while the bundle pins the exact versions the tests ran against.
 */
function bundled(entry: string): Code {
  return Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry("public.ecr.aws/lambda/nodejs:24"),
      // Names the handler in CDK's cache key for staged assets (the local bundler, a
      // function, is not part of it): without it the three handlers would share one asset.
      environment: { EXPORTER_ENTRY: entry },
      local: {
        tryBundle(outputDir) {
          bundleHandler(entry, outputDir);
          return true;
        },
      },
    },
  });
}
