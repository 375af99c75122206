import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { Alarms, alarmThresholds } from "./alarms.ts";
import { Collection } from "./collection.ts";
import { Configuration } from "./configuration.ts";
import { ExporterDashboard } from "./dashboard.ts";
import { PrometheusRules } from "./prometheus-rules.ts";
import { Serving } from "./serving.ts";
import {
  ampWorkspace,
  type ExporterSettings,
  remoteWriteEnvironment,
  settingsFromContext,
} from "./settings.ts";
import { Storage } from "./storage.ts";

export interface ExporterStackProps extends StackProps {
  /** Default: read from the CDK context (cdk.json, `-c key=value`). */
  settings?: ExporterSettings;
}

/** The whole exporter in one stack; each concern is a construct of its own. */
export class ExporterStack extends Stack {
  readonly settings: ExporterSettings;
  readonly storage: Storage;
  readonly configuration: Configuration;
  readonly collection: Collection;
  readonly serving: Serving;
  /** Absent with `dashboard=false`. */
  readonly dashboard: ExporterDashboard | undefined;
  /** Absent with `alarms=false` (see `alarms`). */
  readonly alarmsIfAny: Alarms | undefined;
  /** With `ampWorkspaceArn`: the alert and recording rules in that AMP workspace. */
  readonly prometheusRules: PrometheusRules | undefined;

  constructor(scope: Construct, id: string, props: ExporterStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? settingsFromContext(this.node);
    this.settings = settings;
    // Two deployments in one account and region keep their metrics (and alarms) apart.
    const metricsNamespace = settings.runMetrics ? `CloudflareExporter/${this.stackName}` : undefined;

    this.storage = new Storage(this, "Storage", {
      retainOnDelete: settings.retainTable,
      billing:
        settings.tableBillingMode === "provisioned"
          ? {
              mode: "provisioned",
              readCapacity: settings.tableReadCapacity,
              writeCapacity: settings.tableWriteCapacity,
            }
          : { mode: "on-demand" },
    });
    this.configuration = new Configuration(this, "Configuration", settings);
    const environment = {
      TABLE_NAME: this.storage.table.tableName,
      CONFIG_PARAMETER_PATH: this.configuration.parameterPath,
    };
    const shared = { settings, table: this.storage.table, configuration: this.configuration, environment };
    this.collection = new Collection(this, "Collection", {
      ...shared,
      // Only the collectors call Cloudflare, so only they are told where the token is.
      environment: {
        ...environment,
        CLOUDFLARE_API_TOKEN_SECRET_ARN: this.configuration.cloudflareToken.secretArn,
      },
      metricsNamespace,
    });
    this.allowPush(settings);
    this.serving = new Serving(this, "Serving", shared);
    this.alarmsIfAny = settings.alarms
      ? new Alarms(this, "Alarms", {
          settings,
          collection: this.collection,
          serving: this.serving,
          metricsNamespace,
        })
      : undefined;
    this.dashboard = settings.dashboard
      ? new ExporterDashboard(this, "Dashboard", {
          collection: this.collection,
          serving: this.serving,
          alarms: this.alarmsIfAny,
          thresholds: alarmThresholds(settings),
          metricsNamespace,
        })
      : undefined;
    if (settings.ampWorkspaceArn)
      this.prometheusRules = new PrometheusRules(this, "PrometheusRules", {
        workspaceArn: settings.ampWorkspaceArn,
      });
    this.addOutputs(settings);
  }

  /** The alarms and their topic; asking for them of a stack synthesized with `alarms=false` is a mistake. */
  get alarms(): Alarms {
    if (!this.alarmsIfAny) throw new Error("this stack was synthesized with alarms=false: it has no alarms");
    return this.alarmsIfAny;
  }

  /** The push (REMOTE_WRITE_URL): only the fetcher sends, to the one receiver it is given. */
  private allowPush(settings: ExporterSettings): void {
    // The pushed self-metrics are read as the endpoint reads them, with the Query a fetcher
    // has anyway (its cold reads of its zones' slices): the push needs no table action more.
    const fetcher = this.collection.fetchAccount.function;
    if (settings.ampWorkspaceArn) {
      // Only to this workspace.
      for (const [name, value] of Object.entries(
        remoteWriteEnvironment(ampWorkspace(settings.ampWorkspaceArn)),
      ))
        fetcher.addEnvironment(name, value);
      fetcher.addToRolePolicy(
        new PolicyStatement({ actions: ["aps:RemoteWrite"], resources: [settings.ampWorkspaceArn] }),
      );
    }
    if (settings.remoteWriteCredentialsSecret) {
      // Bearer or basic credentials for a receiver other than AMP: read by the fetcher only.
      const id = settings.remoteWriteCredentialsSecret;
      const secret = !id.startsWith("arn:")
        ? Secret.fromSecretNameV2(this, "RemoteWriteCredentials", id)
        : /-[A-Za-z0-9]{6}$/.test(id)
          ? Secret.fromSecretCompleteArn(this, "RemoteWriteCredentials", id)
          : Secret.fromSecretPartialArn(this, "RemoteWriteCredentials", id);
      secret.grantRead(fetcher);
      fetcher.addEnvironment("REMOTE_WRITE_CREDENTIALS_SECRET_ARN", id);
    }
  }

  private addOutputs(settings: ExporterSettings): void {
    const url = this.serving.url.url; // https://<id>.lambda-url.<region>.on.aws/
    const host = Fn.select(2, Fn.split("/", url));
    const metricsPath = settings.exporterConfig.metricsPath;
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });

    output("MetricsUrl", Fn.join("", [url, metricsPath.replace(/^\//, "")]), "Prometheus scrape URL");
    const tokenSecret = this.configuration.cloudflareToken.secretArn;
    output(
      "CloudflareTokenSecretArn",
      tokenSecret,
      "Secrets Manager secret holding the Cloudflare API token",
    );
    if (this.configuration.cloudflareTokenCreated) {
      output(
        "FillCloudflareTokenCommand",
        Fn.join("", [
          `aws secretsmanager put-secret-value --region ${this.region} --secret-id `,
          tokenSecret,
          ' --secret-string "$CLOUDFLARE_API_TOKEN"',
        ]),
        "Run once after the first deploy, with the token in $CLOUDFLARE_API_TOKEN (read -rs CLOUDFLARE_API_TOKEN)",
      );
    }
    output(
      "ConfigParameterPath",
      this.configuration.parameterPath,
      "SSM Parameter Store path for runtime overrides, one parameter per setting (e.g. <path>CF_ZONES)",
    );
    output("StateMachineArn", this.collection.stateMachine.stateMachineArn, "Collection state machine");
    output("TableName", this.storage.table.tableName, "DynamoDB table with counters and cursors");
    if (settings.ampWorkspaceArn) {
      const amp = ampWorkspace(settings.ampWorkspaceArn);
      output(
        "AmpRemoteWriteUrl",
        amp.remoteWriteUrl,
        "Where the fetcher pushes every counted minute (SigV4, aps:RemoteWrite)",
      );
      output(
        "AmpQueryCommand",
        `awscurl --service aps --region ${amp.region} '${amp.queryUrl}?query=sum+by+(zone)(increase(cloudflare_zone_requests_total[5m]))'`,
        "Query the workspace (or add it to Grafana as a Prometheus data source with SigV4 auth, service aps)",
      );
    }
    if (this.alarmsIfAny)
      output(
        "AlarmTopicArn",
        this.alarmsIfAny.topic.topicArn,
        "SNS topic the alarms notify (subscribe to it)",
      );

    const credentials = this.configuration.scrapeCredentials;
    if (credentials) {
      output(
        "ScrapeCredentialsSecretArn",
        credentials.secretArn,
        "Secrets Manager secret with the scrape bearer token",
      );
      output(
        "ReadBearerTokenCommand",
        Fn.join("", [
          `aws secretsmanager get-secret-value --region ${this.region} --secret-id `,
          credentials.secretArn,
          " --query SecretString --output text | jq -r .bearerToken > cloudflare-exporter.token",
        ]),
        "Writes the scrape bearer token to ./cloudflare-exporter.token for Prometheus' credentials_file",
      );
    }
    // One line of flow-style YAML: a list item to paste under scrape_configs.
    const scrape =
      settings.metricsAuth === "iam"
        ? Fn.join("", [
            "The URL requires SigV4 (metricsAuth=iam): scrape it through a signing proxy such as aws-sigv4-proxy; target host ",
            host,
          ])
        : Fn.join("", [
            "- {job_name: cloudflare, scheme: https, metrics_path: ",
            metricsPath,
            ", scrape_interval: 60s, scrape_timeout: 30s, static_configs: [{targets: ['",
            host,
            "']}]",
            settings.metricsAuth === "required"
              ? ", authorization: {type: Bearer, credentials_file: /etc/prometheus/cloudflare-exporter.token}}"
              : "}",
          ]);
    output(
      "PrometheusScrapeConfig",
      scrape,
      "Paste under scrape_configs: in prometheus.yml (or an ADOT / agent config for AMP)",
    );
  }
}
