import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import type { CloudflareRestClient } from "../cloudflare/rest-client.ts";
import {
  type AccountInfo,
  accountInfoSchema,
  accountSchema,
  datasetSettingsSchema,
  planOf,
  type ZoneInfo,
  zoneInfoSchema,
  zoneSchema,
} from "../cloudflare/schemas.ts";
import { type Config, zoneAllowed } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import { once } from "../lib/once.ts";
import type { Clock } from "../lib/time.ts";
import * as z from "../lib/zod.ts";
import { readDocument, writeDocument } from "../store/items.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";
import { maxZonesPerQuery } from "./limits.ts";

/**
 * Which accounts and zones to collect, and what each zone's plan allows per dataset.
 * Lists are cached in DynamoDB (accounts 600 s, zones 1,800 s by default) so a run makes
 * no REST call most minutes; a failed refresh falls back to the stale list.
 */
export { type AccountInfo, accountInfoSchema, type ZoneInfo, zoneInfoSchema } from "../cloudflare/schemas.ts";

/** A dataset whose `settings` came back null: not available, and known to be not available. */
const unavailable = { enabled: false, maxDuration: 0, notOlderThan: 0, maxPageSize: 0 };

export interface DiscoveryDeps {
  store: Store;
  rest: CloudflareRestClient;
  graphql: CloudflareGraphqlClient;
  config: Config;
  clock: Clock;
  logger: Logger;
}

/** Named accounts are cached apart from the full list, so changing CF_ACCOUNTS takes effect at once. */
export function accountCacheKey(config: Pick<Config, "cfAccounts">): string {
  return accountListKey(config.cfAccounts);
}

export async function discoverAccounts(deps: DiscoveryDeps): Promise<AccountInfo[]> {
  const { config } = deps;
  const cacheKey = accountCacheKey(config);
  return cached(
    deps,
    keys.discovery,
    cacheKey,
    z.array(accountInfoSchema()),
    config.accountListCacheTtlSeconds,
    () => true,
    async () => {
      if (config.cfAccounts.length > 0) {
        // Named accounts are fetched one by one: this also works for account-owned tokens.
        return Promise.all(config.cfAccounts.map((id) => deps.rest.get(`/accounts/${id}`, accountSchema())));
      }
      try {
        return await deps.rest.list("/accounts", accountSchema());
      } catch (error) {
        if (error instanceof CloudflareApiError && error.code === "1001") {
          throw new CloudflareApiError(
            "badRequest",
            "this API token is owned by an account and cannot list accounts: set CF_ACCOUNTS to the account ID(s)",
            { code: "1001" },
          );
        }
        throw error;
      }
    },
  ).then((accounts) => accounts.map(({ id, name }) => ({ id, name })));
}

export async function discoverZones(
  deps: DiscoveryDeps,
  account: AccountInfo,
  datasets: readonly string[],
): Promise<ZoneInfo[]> {
  const { config } = deps;
  // The cache holds every active zone; the allow-list applies on the way out, so a changed
  // CF_ZONES takes effect at the next run.
  const zones = await cached(
    deps,
    keys.account(account.id),
    keys.zones,
    z.array(zoneInfoSchema()),
    config.zoneListCacheTtlSeconds,
    // Settings cached before a dataset was wanted (a group added) do not count as fresh.
    (cachedZones) => cachedZones.every((zone) => datasets.every((d) => d in zone.settings)),
    async () => {
      const zones = (await deps.rest.list("/zones", zoneSchema(), { "account.id": account.id }))
        .filter((zone) => zone.status === "active")
        .sort((a, b) => a.id.localeCompare(b.id));
      const settings = await zoneSettings(
        deps.graphql.forAccount(account.id),
        zones.map((zone) => zone.id),
        datasets,
      );
      return zones.map((zone) => ({
        id: zone.id,
        name: zone.name,
        plan: planOf(zone),
        settings: settings.get(zone.id) ?? {},
      }));
    },
  );
  return zones.filter((zone) => zoneAllowed(config, zone.id));
}

/** Built at first use, so a cold start that asks no zone settings does not build it. */
const zonesSettingsSchema = once(() =>
  z.object({
    zones: z.array(
      z.object({ zoneTag: z.string(), settings: z.record(z.string(), z.nullable(datasetSettingsSchema())) }),
    ),
  }),
);

/**
 * Each zone's `settings` for the datasets the query groups use, ten zones per query; under
 * account-based rate limiting (an account's client) the zone list is nested in its account.
 */
async function zoneSettings(
  graphql: CloudflareGraphqlClient,
  zoneIds: readonly string[],
  datasets: readonly string[],
): Promise<Map<string, ZoneInfo["settings"]>> {
  const out = new Map<string, ZoneInfo["settings"]>();
  if (datasets.length === 0) return out;
  const fields = datasets.map((d) => `${d} { enabled maxDuration notOlderThan maxPageSize }`).join(" ");
  const zones = `zones(filter: { zoneTag_in: $zoneTags }) { zoneTag settings { ${fields} } }`;
  const { account } = graphql;
  const query =
    account === undefined
      ? `query ZoneSettings($zoneTags: [string!]) { viewer { ${zones} } }`
      : `query ZoneSettings($account: string!, $zoneTags: [string!]) { viewer { accounts(filter: { accountTag: $account }) { ${zones} } } }`;
  const schema = z.union([
    z.object({ viewer: zonesSettingsSchema() }),
    z.object({ viewer: z.object({ accounts: z.array(zonesSettingsSchema()).check(z.length(1)) }) }),
  ]);
  for (let i = 0; i < zoneIds.length; i += maxZonesPerQuery) {
    const zoneTags = zoneIds.slice(i, i + maxZonesPerQuery);
    const data = await graphql.query(
      query,
      { zoneTags, ...(account === undefined ? {} : { account }) },
      schema,
    );
    const answered = "accounts" in data.viewer ? (data.viewer.accounts[0]?.zones ?? []) : data.viewer.zones;
    for (const zone of answered) {
      const settings: ZoneInfo["settings"] = {};
      for (const [dataset, value] of Object.entries(zone.settings)) settings[dataset] = value ?? unavailable;
      out.set(zone.zoneTag, settings);
    }
  }
  return out;
}

/** The account's own `settings` for the account-level datasets, cached like the zone list. */
export async function discoverAccountSettings(
  deps: DiscoveryDeps,
  account: AccountInfo,
  datasets: readonly string[],
): Promise<ZoneInfo["settings"]> {
  if (datasets.length === 0) return {};
  const settingsSchema = z.record(z.string(), datasetSettingsSchema());
  return cached(
    deps,
    keys.account(account.id),
    keys.accountSettings,
    settingsSchema,
    deps.config.zoneListCacheTtlSeconds,
    (settings) => datasets.every((d) => d in settings),
    async () => {
      const fields = datasets.map((d) => `${d} { enabled maxDuration notOlderThan maxPageSize }`).join(" ");
      const query = `query AccountSettings($accountTag: string!) { viewer { accounts(filter: { accountTag: $accountTag }) { settings { ${fields} } } } }`;
      const schema = z.object({
        viewer: z.object({
          accounts: z.array(
            z.object({ settings: z.record(z.string(), z.nullable(datasetSettingsSchema())) }),
          ),
        }),
      });
      const data = await deps.graphql.forAccount(account.id).query(query, { accountTag: account.id }, schema);
      const settings: ZoneInfo["settings"] = {};
      for (const [dataset, value] of Object.entries(data.viewer.accounts[0]?.settings ?? {}))
        settings[dataset] = value ?? unavailable;
      return settings;
    },
  );
}

/** A small document cached in DynamoDB for `ttlSeconds`; a failed refresh falls back to the stale copy. */
export async function cached<T>(
  deps: DiscoveryDeps,
  pk: string,
  sk: string,
  schema: z.ZodMiniType<T>,
  ttlSeconds: number,
  complete: (value: T) => boolean,
  refresh: () => Promise<T>,
): Promise<T> {
  const now = deps.clock();
  const stored = await readDocument(deps.store, pk, sk, schema);
  if (stored && now - stored.fetchedAt < ttlSeconds * 1000 && complete(stored.value)) return stored.value;
  try {
    const value = await refresh();
    await writeDocument(deps.store, pk, sk, value, now);
    return value;
  } catch (error) {
    if (!stored) throw error;
    deps.logger.warn("discovery refresh failed; using the cached list", {
      pk,
      sk,
      error,
      ageSeconds: (now - stored.fetchedAt) / 1000,
    });
    return stored.value;
  }
}
