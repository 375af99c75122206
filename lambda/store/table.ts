import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * One table holds all state. Items are grouped by account (`pk = ACCOUNT#<id>`) so a
 * fetcher touches one partition key and the endpoint reads an account with one Query.
 *
 *   ACCOUNT#<id> / SERIES#2#<scope>#<slice>#S       every series of one slice of a zone (format 2, full)
 *   ACCOUNT#<id> / SERIES#2#<scope>#<slice>#D<nn>   what one write changed (format 2, a ring of deltas)
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
  slicePrefix: "SERIES#2#",
  sliceScope: (scopeId: string) => `SERIES#2#${scopeId}#`,
  sliceFull: (scopeId: string, index: number) => `SERIES#2#${scopeId}#${index}#S`,
  sliceDelta: (scopeId: string, index: number, slot: number) =>
    `SERIES#2#${scopeId}#${index}#D${String(slot).padStart(2, "0")}`,
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
  return { client: DynamoDBDocumentClient.from(base), tableName };
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
