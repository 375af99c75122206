import type { Config } from "../config/config.ts";
import type { Health } from "./health.ts";
import type { StoredState } from "./state.ts";

const escapeHtml = (value: string) =>
  value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const time = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** A small self-contained status page: no scripts, no external assets. */
export function statusPage(state: StoredState, result: Health, config: Config): string {
  const rows = state.accounts.flatMap(({ account, zones, shards }) =>
    shards
      .filter((shard) => shard.index === 0)
      .map((shard) => {
        const zone = zones.find((z) => z.id === shard.scopeId)?.name ?? shard.scopeId;
        return `<tr><td>${escapeHtml(account.name)}</td><td>${escapeHtml(zone)}</td><td>${escapeHtml(shard.group)}</td><td>${time(shard.start)}</td><td>${time(shard.cursor)}</td></tr>`;
      }),
  );
  const errors = state.accounts.flatMap(({ account, status }) =>
    [...status.errors].map(
      ([code, count]) => `<li>${escapeHtml(account.name)}: ${escapeHtml(code)} × ${count}</li>`,
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cloudflare exporter</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.healthy{color:#080}.unhealthy{color:#b00}</style></head>
<body><h1>Cloudflare exporter</h1>
<p>Status: <strong class="${result.status}">${result.status}</strong>${result.reasons.length > 0 ? `: ${result.reasons.map(escapeHtml).join("; ")}` : ""}</p>
<p><a href="${escapeHtml(config.metricsPath)}">Metrics</a> · <a href="/health">Health (JSON)</a>${config.disableConfigApi ? "" : ' · <a href="/config">Settings (JSON)</a>'}</p>
<h2>Counted ranges</h2>
<table><tr><th>Account</th><th>Zone</th><th>Query group</th><th>Counted from</th><th>Counted until</th></tr>
${rows.join("\n")}
</table>
<h2>Errors since the start</h2>
<ul>${errors.join("") || "<li>none</li>"}</ul>
</body></html>
`;
}
