import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Alarms } from "./alarms.ts";
import { Collection } from "./collection.ts";
import { Configuration } from "./configuration.ts";
import { ExporterDashboard } from "./dashboard.ts";
import { PrometheusRules } from "./prometheus-rules.ts";
import { Serving } from "./serving.ts";
import { type ExporterSettings, settingsFromContext } from "./settings.ts";
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
  readonly alarms: Alarms;
  readonly dashboard: ExporterDashboard;
  /** With `ampWorkspaceArn`: the alert and recording rules in that AMP workspace. */
  readonly prometheusRules: PrometheusRules | undefined;

  constructor(scope: Construct, id: string, props: ExporterStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? settingsFromContext(this.node);
    this.settings = settings;
    // Two deployments in one account and region keep their metrics (and alarms) apart.
    const metricsNamespace = `CloudflareExporter/${this.stackName}`;

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
    this.serving = new Serving(this, "Serving", shared);
    this.alarms = new Alarms(this, "Alarms", {
      settings,
      collection: this.collection,
      serving: this.serving,
      metricsNamespace,
    });
    this.dashboard = new ExporterDashboard(this, "Dashboard", {
      collection: this.collection,
      serving: this.serving,
      alarms: this.alarms,
      metricsNamespace,
    });
    if (settings.ampWorkspaceArn)
      this.prometheusRules = new PrometheusRules(this, "PrometheusRules", {
        workspaceArn: settings.ampWorkspaceArn,
      });
    this.addOutputs(settings);
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
    output("AlarmTopicArn", this.alarms.topic.topicArn, "SNS topic the alarms notify (subscribe to it)");

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
