import { type CfnResource, Stack, Token } from "aws-cdk-lib";
import { type IGrantable, PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledge } from "./nag.ts";
import type { ExporterSettings } from "./settings.ts";

/**
 * Where the exporter's secrets and runtime settings live:
 * - the Cloudflare API token, in Secrets Manager (an existing secret, or an empty one the
 *   operator fills after the deploy), never in an environment variable;
 * - the scrape credentials, generated at deploy time into Secrets Manager, when the
 *   endpoint checks them itself;
 * - runtime overrides under `/<prefix>/config/` in SSM Parameter Store, which the
 *   operator writes (CloudFormation cannot create SecureStrings, so the stack creates none).
 */
export class Configuration extends Construct {
  readonly cloudflareToken: ISecret;
  /** True when the stack created the token secret and the operator still has to fill it. */
  readonly cloudflareTokenCreated: boolean;
  readonly scrapeCredentials: Secret | undefined;
  readonly parameterPath: string;

  constructor(scope: Construct, id: string, settings: ExporterSettings) {
    super(scope, id);
    this.parameterPath = settings.configParameterPath;
    const existing = settings.cloudflareTokenSecret;
    this.cloudflareTokenCreated = existing === undefined;
    this.cloudflareToken = existing ? this.importSecret(existing) : this.emptyTokenSecret();

    if (settings.metricsAuth === "required") {
      this.scrapeCredentials = new Secret(this, "ScrapeCredentials", {
        description:
          "Credentials Prometheus sends to the Cloudflare exporter's metrics URL: JSON with bearerToken (and optionally username and password)",
        generateSecretString: {
          secretStringTemplate: JSON.stringify({}),
          generateStringKey: "bearerToken",
          passwordLength: 48,
          // Letters and digits only: the token goes into HTTP headers and files unquoted.
          excludePunctuation: true,
          includeSpace: false,
        },
      });
      acknowledge(
        this.scrapeCredentials,
        "AwsSolutions-SMG4",
        "The scrape token is shared with the operator's Prometheus, which reads it from a file; rotating it needs a coordinated change there, done by regenerating the secret (docs/deploy.md).",
      );
    }
  }

  /** Secrets Manager read access to the Cloudflare API token. */
  grantTokenRead(grantee: IGrantable): void {
    this.cloudflareToken.grantRead(grantee);
  }

  /**
   * Read access to the overrides under the config path, and nothing else in Parameter
   * Store. The path's wildcard is the point of the grant, so its cdk-nag finding is
   * acknowledged here, on the role that gets it.
   */
  grantParametersRead(role: Role): void {
    const stack = Stack.of(this);
    const base = this.parameterPath.replace(/\/$/, "");
    const arn = (name: string) =>
      stack.formatArn({ service: "ssm", resource: "parameter", resourceName: name.replace(/^\//, "") });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        // The overrides are read with one paginated GetParametersByPath, nothing else.
        actions: ["ssm:GetParametersByPath"],
        // GetParametersByPath is authorised on the path itself; the others on each parameter.
        resources: [arn(base), arn(`${base}/*`)],
      }),
    );
    // cdk-nag names the finding after the ARN as synthesized: pseudo parameters stay
    // <AWS::…> in an environment-agnostic stack and are literal in a pinned one.
    const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
    const resource = `arn:${part(stack.partition, "AWS::Partition")}:ssm:${part(stack.region, "AWS::Region")}:${part(stack.account, "AWS::AccountId")}:parameter${base}/*`;
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${resource}]`,
      "Runtime overrides are every parameter under the exporter's own config path (/<prefix>/config/*), read with GetParametersByPath; nothing outside that path is allowed.",
    );
  }

  private importSecret(nameOrArn: string): ISecret {
    if (!nameOrArn.startsWith("arn:")) return Secret.fromSecretNameV2(this, "CloudflareApiToken", nameOrArn);
    // A complete ARN ends in the six characters Secrets Manager appends to the name.
    return /-[A-Za-z0-9]{6}$/.test(nameOrArn)
      ? Secret.fromSecretCompleteArn(this, "CloudflareApiToken", nameOrArn)
      : Secret.fromSecretPartialArn(this, "CloudflareApiToken", nameOrArn);
  }

  private emptyTokenSecret(): Secret {
    const secret = new Secret(this, "CloudflareApiToken", {
      description:
        "Cloudflare API token for the Cloudflare exporter (Zone Analytics:Read, Account Analytics:Read). Created empty: fill it with put-secret-value.",
    });
    // Without GenerateSecretString or SecretString, CloudFormation creates the secret with
    // no value at all, rather than a random string that would look like a token.
    (secret.node.defaultChild as CfnResource).addPropertyDeletionOverride("GenerateSecretString");
    acknowledge(
      secret,
      "AwsSolutions-SMG4",
      "A Cloudflare API token is issued by Cloudflare; no Secrets Manager rotation function can rotate it. The operator rolls it in the Cloudflare dashboard and puts the new value here.",
    );
    return secret;
  }
}
