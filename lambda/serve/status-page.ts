import { isSnapshotGroup } from "../catalogue/snapshots/index.ts";
import type { Config } from "../config/config.ts";
import type { GraphqlBlock } from "../store/graphql-blocks.ts";
import type { Health } from "./health.ts";
import type { AccountState, StoredState } from "./state.ts";

const escapeHtml = (value: string) =>
  value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const time = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** An age as people read it: `45 s`, `12 min 5 s`, `3 h 4 min`. */
export function age(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3_600)} h ${Math.floor((s % 3_600) / 60)} min`;
}

const cells = (values: readonly string[]) => values.map((v) => `<td>${v}</td>`).join("");
const headers = (names: readonly string[]) =>
  `<tr>${names.map((n) => `<th scope="col">${n}</th>`).join("")}</tr>`;

function rangeRows(state: StoredState, config: Config, now: number): string[] {
  return state.accounts.flatMap(({ account, zones, shards }) =>
    shards
      .filter((shard) => shard.index === 0)
      .map((shard) => ({
        shard,
        zone:
          shard.scopeId === account.id
            ? "(account)"
            : (zones.find((z) => z.id === shard.scopeId)?.name ?? shard.scopeId),
      }))
      .sort((a, b) => a.zone.localeCompare(b.zone) || a.shard.group.localeCompare(b.shard.group))
      .map(({ shard, zone }) => {
        const stale = now - shard.cursor > config.healthMaxAgeSeconds;
        return `<tr${stale ? ' class="stale"' : ""}>${cells([
          escapeHtml(account.name),
          escapeHtml(zone),
          escapeHtml(shard.group),
          `${age(now - shard.cursor)}${stale ? " (stale)" : ""}`,
          time(shard.start),
          time(shard.cursor),
        ])}</tr>`;
      }),
  );
}

/**
 * The account's data age: how far its least advanced zone (or the account's own datasets)
 * trails, over the minute query groups (REST snapshots have their own refresh interval).
 */
export function accountDataAge({ shards }: Pick<AccountState, "shards">, now: number): number | undefined {
  const minute = shards.filter((shard) => !isSnapshotGroup(shard.group));
  if (minute.length === 0) return undefined;
  return now - Math.min(...minute.map((shard) => shard.cursor));
}

/** The widening: every chunk every minute, or every k minutes when the token's budget cannot afford more. */
const collectedEvery = (k: number | undefined) =>
  k === undefined ? "" : k === 1 ? "every minute" : `every ${k} min (widened to fit the budget)`;

function accountRow(state: AccountState, now: number): string {
  const { account, status } = state;
  const run = status.lastRun;
  const errors = [...status.errors].map(([code, count]) => `${escapeHtml(code)} × ${count}`).join(", ");
  const dataAge = accountDataAge(state, now);
  return `<tr>${cells([
    escapeHtml(account.name),
    run
      ? `${age(now - run.finishedAt / 1000)} ago${run.skipped ? `, skipped: ${escapeHtml(run.skipped)}` : ""}`
      : "none yet",
    collectedEvery(run?.everyMinutes),
    dataAge === undefined ? "none yet" : age(dataAge),
    run ? String(run.minutesCounted) : "",
    run ? String(run.errorCount) : "",
    String(status.rateLimitEvents),
    errors || "none",
  ])}</tr>`;
}

/** What the exporter had spent of a budget when Cloudflare said it was spent. */
const usageText = (block: GraphqlBlock) =>
  block.usage ? `${block.usage.used} of ${block.usage.limit} calls in the 5 minutes before` : "not recorded";

const resumesAt = (until: number, now: number) => `${time(Math.ceil(until))} (in ${age(until - now)})`;

/** The token's budget: blocked by a `budget` answer until it expires, for every account. */
function budget(state: StoredState, now: number): string {
  const block = state.graphqlBlocks?.find((b) => b.accountId === undefined);
  const until = (block?.untilMs ?? 0) / 1000;
  return block && until > now
    ? `<strong class="unhealthy">spent</strong>: Cloudflare asked to wait; GraphQL calls resume at ${resumesAt(until, now)}, and the minutes meanwhile are counted then${block.usage ? ` (the exporter had made ${usageText(block)})` : ""}`
    : '<strong class="healthy">available</strong>';
}

/** The accounts whose own budget (account-based rate limiting) Cloudflare said is spent, still blocked at `now`. */
function blockedAccounts(state: StoredState, now: number): { name: string; block: GraphqlBlock }[] {
  const names = new Map(state.accounts.map(({ account }) => [account.id, account.name]));
  return (state.graphqlBlocks ?? [])
    .filter((block) => block.accountId !== undefined && block.untilMs / 1000 > now)
    .map((block) => ({ name: names.get(block.accountId ?? "") ?? block.accountId ?? "", block }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Per account under account-based rate limiting (or while a block of that mode lasts): which budgets are spent. */
function accountBudgets(state: StoredState, config: Config, now: number): string {
  const blocked = blockedAccounts(state, now);
  if (blocked.length === 0)
    return config.accountBasedRateLimiting
      ? '<p>GraphQL budget per account: <strong class="healthy">available</strong> for every account</p>'
      : "";
  const rows = blocked.map(
    ({ name, block }) =>
      `<tr>${cells([escapeHtml(name), resumesAt(block.untilMs / 1000, now), usageText(block)])}</tr>`,
  );
  return `<table><caption>GraphQL budgets per account that Cloudflare said are spent: their calls wait, and the minutes meanwhile are counted then</caption>
${headers(["Account", "GraphQL calls resume at", "Budget used when Cloudflare answered"])}
${rows.join("\n")}
</table>`;
}

/**
 * A small self-contained status page: no scripts, no external assets, so it reads the
 * same with JavaScript off. Data age per zone and query group, the last run and errors
 * of each account, and the GraphQL budgets (the token's, and each account's that is spent).
 */
export function statusPage(state: StoredState, result: Health, config: Config, nowMs: number): string {
  const now = nowMs / 1000;
  const rows = rangeRows(state, config, now);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Cloudflare exporter</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}caption{text-align:left;font-weight:bold;padding:4px 0}.healthy{color:#060}.unhealthy,.stale{color:#a00}</style></head>
<body><main><h1>Cloudflare exporter</h1>
<p>Status: <strong class="${result.status}">${result.status}</strong>${result.reasons.length > 0 ? `: ${result.reasons.map(escapeHtml).join("; ")}` : ""}</p>
<p>Cloudflare GraphQL budget${config.accountBasedRateLimiting ? " of the token" : ""}: ${budget(state, now)}</p>
${accountBudgets(state, config, now)}
<nav aria-label="Endpoints"><a href="${escapeHtml(config.metricsPath)}">Metrics</a> · <a href="/health">Health (JSON)</a>${config.disableConfigApi ? "" : ' · <a href="/config">Settings (JSON)</a>'}</nav>
<h2>Accounts</h2>
<table><caption>Last run and errors since the start, per account; data age: how far its least advanced zone trails</caption>
${headers(["Account", "Last run", "Zones collected", "Data age", "Minutes counted", "Errors in the last run", "Rate-limit answers", "Errors since the start"])}
${state.accounts.map((a) => accountRow(a, now)).join("\n")}
</table>
<h2>Data age</h2>
<table><caption>Counted ranges per zone and query group: every minute before “counted until” is counted</caption>
${headers(["Account", "Zone", "Query group", "Data age", "Counted from", "Counted until"])}
${rows.join("\n")}
</table>
</main></body></html>
`;
}
