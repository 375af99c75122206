import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Provider } from "@smithy/types";
import { credentialsOf } from "../../lambda/lib/aws-json.ts";

/**
 * Stands in for `@aws-sdk/client-dynamodb` in the Lambda bundles (lib/bundling.ts): the
 * store sends every call the Lambda code makes on DynamoDB's JSON API itself
 * (lambda/store/direct-client.ts) and takes from the client only its region and
 * credentials, which Lambda puts in the environment. The SDK's client, its middleware and
 * its models (about 190 KB, most of what a cold start imported) stay out. Only what the
 * Lambda code imports is here; a new import fails the build.
 */
export class DynamoDBClient {
  readonly config: { region: Provider<string>; credentials: AwsCredentialIdentityProvider };

  constructor(options: { region?: string; endpoint?: string; credentials?: AwsCredentialIdentity } = {}) {
    const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
    const given = options.credentials;
    this.config = {
      region: async () => region,
      credentials: async () => given ?? credentialsOf(process.env),
    };
  }

  send(): Promise<never> {
    return Promise.reject(
      new Error("DynamoDB's client is not called from a Lambda bundle (lambda/store/table.ts)"),
    );
  }
}

/** An error DynamoDB answered, named as the SDK names it. */
class DynamoDBServiceError extends Error {
  readonly $metadata: { httpStatusCode?: number };

  constructor(options: { message: string; $metadata?: { httpStatusCode?: number } }) {
    super(options.message);
    this.$metadata = options.$metadata ?? {};
  }
}

/** What a writer's refused condition is (lambda/store/direct-client.ts throws it). */
export class ConditionalCheckFailedException extends DynamoDBServiceError {
  override readonly name = "ConditionalCheckFailedException";
}

/** Local mode's CreateTable only: never sent from a bundle. */
export class ResourceInUseException extends DynamoDBServiceError {
  override readonly name = "ResourceInUseException";
}

export class CreateTableCommand {
  readonly input: unknown;

  constructor(input: unknown) {
    this.input = input;
  }
}
