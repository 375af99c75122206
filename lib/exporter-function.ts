import { readFileSync } from "node:fs";
import { type Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { LogLevel, NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { bundleAliases, projectRoot, requireBanner } from "./bundling.ts";
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
  /** Node options beyond source maps (V8's heap limits, where a function sets them). */
  nodeOptions?: string;
  settings: ExporterSettings;
  reservedConcurrentExecutions?: number | undefined;
}

/**
 * One exporter Lambda: Node 24 on arm64, bundled locally by esbuild (no Docker) into one
 * minified ES module, logging to its own log group with the configured retention, under
 * a role that may write to that log group and nothing else until grants are added.
 */
export class ExporterFunction extends Construct {
  readonly function: NodejsFunction;
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

    this.function = new NodejsFunction(this, "Function", {
      entry: `${projectRoot}${props.entry}`,
      handler: "handler",
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
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
        NODE_OPTIONS: ["--enable-source-maps", ...(props.nodeOptions ? [props.nodeOptions] : [])].join(" "),
        EXPORTER_VERSION: packageVersion,
        LOG_FORMAT: lambdaLogFormat,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: "node24",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        // Stack traces need file names and lines, not the sources themselves.
        sourcesContent: false,
        // The AWS SDK v3 clients are bundled on purpose: the Lambda runtime's copy changes
        // under us, while the bundle pins the exact versions the tests ran against.
        bundleAwsSDK: true,
        externalModules: [],
        banner: requireBanner,
        // lib/bundling.ts holds these options for the bench too: tree-shaking spelled out,
        // no legal comments, and the modules a Lambda never runs replaced.
        esbuildArgs: {
          "--tree-shaking": "true",
          "--legal-comments": "none",
          ...Object.fromEntries(Object.entries(bundleAliases).map(([from, to]) => [`--alias:${from}`, to])),
        },
        logLevel: LogLevel.WARNING,
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
