import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { createDirectClient } from "./direct-client.ts";

/**
 * One table holds all state. Items are grouped by account (`pk = ACCOUNT#<id>`) so a
 * fetcher touches one partition key and the endpoint reads an account with one Query.
 *
 *   ACCOUNT#<id> / SERIES#3#F#<scope>#<slice>       every series of one slice of a zone (format 3, full)
 *   ACCOUNT#<id> / SERIES#3#D#<scope>#<slice>#<nn>  what one write changed (format 3, a ring of deltas)
 *   ACCOUNT#<id> / SERIES#2#<scope>#<slice>#S|D<nn>  a slice in format 2, carried over on its first write
 *   ACCOUNT#<id> / SERIES#<group>#<scope>#<shard>  a shard in format 1, carried over on its first write
 *   ACCOUNT#<id> / SLICES                          which slices exist (slice-index.ts), for a warm scrape
 *   ACCOUNT#<id> / ZONES                           cached zone list and dataset settings
 *   ACCOUNT#<id> / ACCOUNT_SETTINGS                cached dataset settings of the account itself
 *   ACCOUNT#<id> / RULES#<zone>                    cached firewall rule names of a zone
 *   ACCOUNT#<id> / UNAVAILABLE                     datasets Cloudflare refused, and until when to leave them
 *   ACCOUNT#<id> / LEASE                           which fetcher works on the account
 *   ACCOUNT#<id> / STATUS                          error counters and the last run's summary
 *   ACCOUNT#<id> / PUSH                            the remote-write journal (push-journal.ts)
 *   DISCOVERY / ACCOUNTS                            cached account list
 *   DISCOVERY / GRAPHQL_BLOCK                       until when Cloudflare's GraphQL budget is spent
 */
export const tableKey = { partitionKey: "pk", sortKey: "sk", timeToLive: "expiresAt" } as const;

export const keys = {
  account: (accountId: string) => `ACCOUNT#${accountId}`,
  shard: (group: string, scopeId: string, shard: number) => `SERIES#${group}#${scopeId}#${shard}`,
  seriesPrefix: "SERIES#",
  /**
   * Full records apart from deltas: a cold reader reads every full record of a zone (or
   * account) in one Query, then only the deltas written after each (slice-reads.ts).
   */
  fullPrefix: "SERIES#3#F#",
  sliceFulls: (scopeId: string) => `SERIES#3#F#${scopeId}#`,
  sliceFull: (scopeId: string, index: number) => `SERIES#3#F#${scopeId}#${index}`,
  deltaPrefix: "SERIES#3#D#",
  /** After every delta's key and before every full record's. */
  deltaEnd: "SERIES#3#D$",
  sliceDelta: (scopeId: string, index: number, slot: number) =>
    `SERIES#3#D#${scopeId}#${index}#${String(slot).padStart(2, "0")}`,
  /** Format 2: a slice's full record (`#S`) and ring (`#D<nn>`) under one prefix. */
  format2Prefix: "SERIES#2#",
  format2Scope: (scopeId: string) => `SERIES#2#${scopeId}#`,
  format2Slice: (scopeId: string, index: number) => `SERIES#2#${scopeId}#${index}#`,
  /** Format 1 (`SERIES#<group>#…`): group names start with a letter, after every digit. */
  format1From: "SERIES#:",
  sliceIndex: "SLICES",
  zones: "ZONES",
  accountSettings: "ACCOUNT_SETTINGS",
  ruleNames: (zoneId: string) => `RULES#${zoneId}`,
  /** When each zone chunk of a work item was last collected (widened collection's order). */
  chunkSchedule: (item: string) => `CHUNKS#${item}`,
  unavailable: "UNAVAILABLE",
  lease: "LEASE",
  status: "STATUS",
  discovery: "DISCOVERY",
  accounts: "ACCOUNTS",
  graphqlBlock: "GRAPHQL_BLOCK",
  /** Until when firewall rule names wait for REST budget somewhere (rule-names-wait.ts). */
  ruleNamesWait: "RULE_NAMES_WAIT",
} as const;

/** The account list's key: named accounts (CF_ACCOUNTS) are cached apart from the full list. */
export function accountListKey(cfAccounts: readonly string[]): string {
  return cfAccounts.length > 0 ? `${keys.accounts}#${cfAccounts.join(",")}` : keys.accounts;
}

export interface Store {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export function createStore(tableName: string, options: { endpoint?: string; region?: string } = {}): Store {
  const base = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
  });
  return { client: withDirectCalls(DynamoDBDocumentClient.from(base), base, options.endpoint), tableName };
}

/**
 * The document client, with every command the Lambda code sends (GetItem, PutItem,
 * UpdateItem, DeleteItem, Query, BatchGetItem) sent by store/direct-client.ts: at a third
 * of the SDK's CPU each, and with nothing left for the SDK's clients to do in a Lambda
 * bundle (lib/dynamodb-in-bundle/ stands in for them there). Callers still send the
 * document client's commands and get its answers (or its errors), so whatever wraps `send`
 * (the tests' recorders, the bench's counters) sees every call as before. Anything else
 * (local mode's CreateTable, the bench's Scans) goes through the SDK.
 */
function withDirectCalls(
  client: DynamoDBDocumentClient,
  base: DynamoDBClient,
  endpoint: string | undefined,
): DynamoDBDocumentClient {
  const { credentials, region } = base.config;
  const direct = createDirectClient({ credentials, region, ...(endpoint ? { endpoint } : {}) });
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const routed = (command: unknown): Promise<unknown> | undefined => {
    if (command instanceof GetCommand) return direct.get(command.input);
    if (command instanceof PutCommand) return direct.put(command.input);
    if (command instanceof UpdateCommand) return direct.update(command.input);
    if (command instanceof DeleteCommand) return direct.delete(command.input);
    if (command instanceof QueryCommand) return direct.query(command.input);
    if (command instanceof BatchGetCommand) return direct.batchGet(command.input);
    return undefined;
  };
  client.send = ((command: unknown, ...rest: unknown[]) =>
    routed(command) ?? send(command, ...rest)) as typeof client.send;
  return client;
}

/** Creates the table as the stack defines it (for local mode and tests; AWS gets it from CDK). */
/** The key schema, shared by local mode's table and (checked by a test) the stack's. */
export const tableKeys = {
  KeySchema: [
    { AttributeName: tableKey.partitionKey, KeyType: "HASH" as const },
    { AttributeName: tableKey.sortKey, KeyType: "RANGE" as const },
  ],
  AttributeDefinitions: [
    { AttributeName: tableKey.partitionKey, AttributeType: "S" as const },
    { AttributeName: tableKey.sortKey, AttributeType: "S" as const },
  ],
};

export async function createTable(store: Store): Promise<void> {
  try {
    await store.client.send(
      new CreateTableCommand({
        TableName: store.tableName,
        BillingMode: "PAY_PER_REQUEST",
        ...tableKeys,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
