import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { z } from "zod";
import { type Config, ConfigError, environmentNames, loadConfig } from "../lambda/config/config.ts";

/**
 * Everything an operator can choose at `cdk deploy -c key=value` (or in cdk.json's
 * "context"), validated once so a typo fails `cdk synth` with a clear message instead of
 * producing a stack that misbehaves at run time. Values given on the command line arrive
 * as strings, values from cdk.json as JSON: both are accepted.
 */

/** Lambda logs are JSON lines, for CloudWatch Logs Insights. */
export const lambdaLogFormat = "json";

/** Variables the stack sets itself (and where the operator chooses them instead, if anywhere). */
const stackManaged: Record<string, string> = {
  TABLE_NAME: "",
  CLOUDFLARE_API_TOKEN_SECRET_ARN: "; name an existing secret with the cloudflareTokenSecret context key",
  CONFIG_PARAMETER_PATH: "; choose it with the parameterPrefix context key",
  NODE_OPTIONS: "",
  EXPORTER_VERSION: "",
  LOG_FORMAT: "",
  METRICS_NAMESPACE: "",
  SCRAPE_CREDENTIALS_SECRET_ARN: "",
  REMOTE_WRITE_CREDENTIALS_SECRET_ARN: "",
  METRICS_AUTH: "; choose it with the metricsAuth context key",
};
const secrets = new Set([
  "CLOUDFLARE_API_TOKEN",
  "SCRAPE_BEARER_TOKEN",
  "BASIC_AUTH_USER",
  "BASIC_AUTH_PASSWORD",
  "REMOTE_WRITE_BEARER_TOKEN",
  "REMOTE_WRITE_USERNAME",
  "REMOTE_WRITE_PASSWORD",
]);
/** What the stack sets for the push when ampWorkspaceArn is given. */
const remoteWriteKeys = ["REMOTE_WRITE_URL", "REMOTE_WRITE_AUTH", "REMOTE_WRITE_REGION"];

const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]);
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const retentionDays = new Set<number>(Object.values(RetentionDays).filter((v) => typeof v === "number"));

/** Parses `rate(5 minutes)` into seconds; the state machine's timeout and the alarms follow from it. */
const rateExpression = z
  .string()
  .trim()
  .transform((expression, ctx) => {
    const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
    const value = Number(match?.[1]);
    const unit = match?.[2] ?? "";
    if (!match || value < 1 || (value === 1) !== !unit.endsWith("s")) {
      ctx.addIssue({
        code: "custom",
        message: `must be a rate expression such as "rate(1 minute)" or "rate(5 minutes)", got "${expression}"`,
      });
      return z.NEVER;
    }
    const unitSeconds = unit.startsWith("minute") ? 60 : unit.startsWith("hour") ? 3_600 : 86_400;
    return { expression, intervalSeconds: value * unitSeconds };
  });

const environmentObject = z.preprocess(
  (value) => (typeof value === "string" ? JSON.parse(value) : value),
  z.record(
    z.string(),
    z.union([z.string(), z.number(), z.boolean()]).transform((value) => String(value)),
  ),
);

const contextSchema = z.object({
  schedule: rateExpression.default({ expression: "rate(1 minute)", intervalSeconds: 60 }),
  maxConcurrency: integer(1, 40).default(10),
  tableBillingMode: z.enum(["on-demand", "provisioned"]).default("on-demand"),
  tableReadCapacity: integer(1, 40_000).default(5),
  tableWriteCapacity: integer(1, 40_000).default(5),
  retainTable: flag.default(true),
  logRetentionDays: z.coerce
    .number()
    .refine((days) => retentionDays.has(days), {
      message: `must be one of CloudWatch Logs' retention periods: ${[...retentionDays].join(", ")}`,
    })
    .default(30),
  tracing: flag.default(false),
  metricsAuth: z.enum(["required", "iam", "disabled"]).default("required"),
  serveReservedConcurrency: integer(1, 1_000).optional(),
  cloudflareTokenSecret: z.string().trim().min(1).optional(),
  parameterPrefix: z
    .string()
    .trim()
    .transform((prefix) => prefix.replace(/^\/+|\/+$/g, ""))
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be an SSM path such as cloudflare-exporter")
        .refine((prefix) => !/^(aws|ssm)/i.test(prefix), "SSM reserves names starting with aws or ssm"),
    )
    .default("cloudflare-exporter"),
  exporterEnvironment: environmentObject.default({}),
  alarmEmail: z.email().optional(),
  /** `false` leaves the CloudWatch dashboard out ($3 a month). */
  dashboard: flag.default(true),
  /** `false` leaves the CloudWatch alarms out, with the SNS topic they notify and its KMS key. */
  alarms: flag.default(true),
  /**
   * `false`: the fetcher publishes no CloudWatch metrics of its own (no EMF lines, $0.30 a
   * series a month); the alarms and graphs built on them are left out. The same figures stay
   * on the metrics endpoint as self-metrics.
   */
  runMetrics: flag.default(true),
  /** An Amazon Managed Prometheus workspace: every counted minute is pushed to it (aps:RemoteWrite on it only) and the rules loaded into it. */
  ampWorkspaceArn: z
    .string()
    .trim()
    .regex(
      /^arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace\/ws-[A-Za-z0-9-]+$/,
      "must be an Amazon Managed Service for Prometheus workspace ARN (arn:aws:aps:<region>:<account>:workspace/ws-…)",
    )
    .optional(),
  /** Secrets Manager secret (name or ARN) with the push's bearer token or basic credentials, for other receivers. */
  remoteWriteCredentialsSecret: z.string().trim().min(1).optional(),
});

/** The AMP workspace's region, ID and endpoints, from its ARN. */
export function ampWorkspace(arn: string): {
  region: string;
  id: string;
  remoteWriteUrl: string;
  queryUrl: string;
} {
  const [, , , region = "", , resource = ""] = arn.split(":");
  const id = resource.replace(/^workspace\//, "");
  const base = `https://aps-workspaces.${region}.amazonaws.com/workspaces/${id}/api/v1`;
  return { region, id, remoteWriteUrl: `${base}/remote_write`, queryUrl: `${base}/query` };
}

type ContextSettings = z.output<typeof contextSchema>;
export type ContextKey = keyof ContextSettings;
export const contextKeys = Object.keys(contextSchema.shape) as ContextKey[];

export interface ExporterSettings extends Omit<ContextSettings, "logRetentionDays"> {
  logRetention: RetentionDays;
  /** Express executions stop before the next one starts (and never past Express's 5-minute cap). */
  stateMachineTimeoutSeconds: number;
  /** `/<prefix>/config/`: where runtime overrides live in SSM Parameter Store. */
  configParameterPath: string;
  /** The exporter's settings as the Lambdas will see them (before SSM overrides). */
  exporterConfig: Config;
}

export class SettingsError extends Error {}

export function parseSettings(context: Readonly<Record<string, unknown>>): ExporterSettings {
  const raw = Object.fromEntries(
    contextKeys.map((key) => [key, context[key]]).filter(([, value]) => value !== undefined),
  );
  let parsed: ContextSettings;
  try {
    const result = contextSchema.safeParse(raw);
    if (!result.success) {
      const details = result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
      throw new SettingsError(`invalid context: ${details.join("; ")}`);
    }
    parsed = result.data;
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new SettingsError(`invalid context exporterEnvironment: ${error.message}`);
    throw error;
  }
  const { logRetentionDays, ...rest } = parsed;
  const amp = parsed.ampWorkspaceArn ? ampWorkspace(parsed.ampWorkspaceArn) : undefined;
  refuseContradictions(parsed);
  return {
    ...rest,
    logRetention: logRetentionDays as RetentionDays,
    stateMachineTimeoutSeconds: Math.min(parsed.schedule.intervalSeconds - 5, 295),
    configParameterPath: `/${parsed.parameterPrefix}/config/`,
    exporterConfig: validateExporterEnvironment(parsed.exporterEnvironment, {
      METRICS_AUTH: parsed.metricsAuth,
      LOG_FORMAT: lambdaLogFormat,
      ...(amp ? remoteWriteEnvironment(amp) : {}),
    }),
  };
}

/** Options each valid alone that cannot be honoured together. */
function refuseContradictions(parsed: ContextSettings): void {
  const clash = parsed.ampWorkspaceArn
    ? remoteWriteKeys.filter((name) => name in parsed.exporterEnvironment)
    : [];
  if (clash.length > 0)
    throw new SettingsError(
      `context exporterEnvironment: ${clash.join(", ")} ${clash.length > 1 ? "are" : "is"} set by the stack from ampWorkspaceArn`,
    );
  if (parsed.alarmEmail && !parsed.alarms)
    throw new SettingsError(
      "context alarmEmail: with alarms=false the stack has no alarm topic to subscribe it to; drop alarmEmail or set alarms=true",
    );
}

/** The fetcher's push settings for an AMP workspace: SigV4 with the function's role. */
export function remoteWriteEnvironment(amp: ReturnType<typeof ampWorkspace>): Record<string, string> {
  return {
    REMOTE_WRITE_URL: amp.remoteWriteUrl,
    REMOTE_WRITE_AUTH: "sigv4",
    REMOTE_WRITE_REGION: amp.region,
  };
}

/** Reads the settings from a construct's context (cdk.json, `-c key=value`, or a test's App). */
export function settingsFromContext(node: Node): ExporterSettings {
  return parseSettings(Object.fromEntries(contextKeys.map((key) => [key, node.tryGetContext(key)])));
}

/**
 * The same check the Lambdas make at start-up, made at synth: an unknown name or a bad
 * value stops the deployment before anything runs with it.
 */
function validateExporterEnvironment(
  environment: Readonly<Record<string, string>>,
  stackSets: Readonly<Record<string, string>>,
): Config {
  const known = new Set(Object.values(environmentNames));
  for (const name of Object.keys(environment)) {
    if (secrets.has(name))
      throw new SettingsError(
        `context exporterEnvironment: ${name} is a secret and never goes in an environment variable; the stack keeps credentials in Secrets Manager`,
      );
    const managed = stackManaged[name];
    if (managed !== undefined)
      throw new SettingsError(`context exporterEnvironment: ${name} is set by the stack itself${managed}`);
    if (!known.has(name))
      throw new SettingsError(
        `context exporterEnvironment: unknown setting ${name}; known settings: ${[...known].sort().join(", ")}`,
      );
  }
  try {
    // With the values the stack adds: the handlers must accept those too.
    return loadConfig({ ...environment, ...stackSets });
  } catch (error) {
    if (error instanceof ConfigError)
      throw new SettingsError(`context exporterEnvironment: ${error.message}`);
    throw error;
  }
}
