import type {
  BatchGetCommandInput,
  DeleteCommandInput,
  GetCommandInput,
  PutCommandInput,
  QueryCommandInput,
  UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { DynamoDBClient } from "./client.ts";

/**
 * Stands in for `@aws-sdk/lib-dynamodb` in the Lambda bundles (lib/bundling.ts, see
 * ./client.ts): a command is its input, which lambda/store/table.ts hands to
 * lambda/store/direct-client.ts by the command's class. Only what the Lambda code imports
 * is here; a new import fails the build.
 */
class Command<Input> {
  readonly input: Input;

  constructor(input: Input) {
    this.input = input;
  }
}

export class GetCommand extends Command<GetCommandInput> {}
export class PutCommand extends Command<PutCommandInput> {}
export class UpdateCommand extends Command<UpdateCommandInput> {}
export class DeleteCommand extends Command<DeleteCommandInput> {}
export class QueryCommand extends Command<QueryCommandInput> {}
export class BatchGetCommand extends Command<BatchGetCommandInput> {}

export class DynamoDBDocumentClient {
  readonly client: DynamoDBClient;

  private constructor(client: DynamoDBClient) {
    this.client = client;
  }

  static from(client: DynamoDBClient): DynamoDBDocumentClient {
    return new DynamoDBDocumentClient(client);
  }

  /** Every command the Lambda code sends is sent directly (lambda/store/table.ts): anything else is refused. */
  send(command: object): Promise<never> {
    return Promise.reject(
      new Error(`${command.constructor.name} is not sent from a Lambda bundle (lambda/store/table.ts)`),
    );
  }
}
