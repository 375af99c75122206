import { Kind, parse } from "graphql";
import { fields, scopeTagsOf } from "./ceiling.ts";
import { SlidingWindowLimiter } from "./rate-limit.ts";

/**
 * Cloudflare's account-based rate limiting, asked for per request with the header
 * `X-Rate-Limit-Type: account-based`: instead of the token's budget, every account and
 * every zone has its own (1 request per second, 300 per 5 minutes, by default). Each
 * top-level `accounts` block counts one request against its account, each top-level
 * `zones` block one against its zone, and a `zones` block nested in an `accounts` block
 * counts against that account only. A list (or range) of zones at the `viewer` level is
 * not supported in this mode: such a request is refused before anything is charged.
 */
export const accountBasedHeader = "x-rate-limit-type";

/** The simulator's wording: Cloudflare documents the rule, not the text. */
export const zoneListNotSupportedMessage =
  "account-based rate limiting does not support a list of zones at the viewer level: nest zones(filter: { zoneTag_in }) inside accounts(filter: { accountTag })";

export interface AccountBasedBudget {
  /** Requests per account in any `windowSeconds` (Cloudflare: 300; Enterprise 15 per second). */
  account: number;
  /** Requests per zone in any `windowSeconds` (Cloudflare: 300; Enterprise 10 per second). */
  zone: number;
  windowSeconds: number;
}

export const defaultAccountBasedBudget: AccountBasedBudget = { account: 300, zone: 300, windowSeconds: 300 };

export type Charges = { kind: "charges"; keys: string[] } | { kind: "unsupported"; message: string };

/**
 * What a request is charged: `account:<tag>` per top-level `accounts` block, `zone:<tag>`
 * per top-level single-zone `zones` block. A body that does not parse is charged nothing
 * (the GraphQL layer answers it).
 */
export function chargesOf(body: string): Charges {
  let query: unknown;
  let variables: Record<string, unknown> | undefined;
  try {
    const json = JSON.parse(body) as { query?: unknown; variables?: unknown };
    query = json.query;
    if (typeof json.variables === "object" && json.variables !== null)
      variables = json.variables as Record<string, unknown>;
  } catch {
    return { kind: "charges", keys: [] };
  }
  let document: ReturnType<typeof parse>;
  try {
    if (typeof query !== "string") return { kind: "charges", keys: [] };
    document = parse(query);
  } catch {
    return { kind: "charges", keys: [] };
  }
  const keys: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const viewer of fields(definition.selectionSet)) {
      if (viewer.name.value !== "viewer") continue;
      for (const block of fields(viewer.selectionSet)) {
        const name = block.name.value;
        if (name !== "zones" && name !== "accounts") continue;
        const tags = scopeTagsOf(block.arguments ?? [], variables);
        const single = tags.length === 1 && singleTagFilter(block.arguments ?? [], name);
        if (name === "zones" && !single) return { kind: "unsupported", message: zoneListNotSupportedMessage };
        keys.push(`${name === "zones" ? "zone" : "account"}:${tags[0] ?? ""}`);
      }
    }
  }
  return { kind: "charges", keys };
}

/** Whether the block's filter names its scope with `zoneTag` / `accountTag` (not a list). */
function singleTagFilter(args: Parameters<typeof scopeTagsOf>[0], name: string): boolean {
  const filter = args.find((arg) => arg.name.value === "filter");
  if (filter?.value.kind !== Kind.OBJECT) return false;
  const wanted = name === "zones" ? "zoneTag" : "accountTag";
  return filter.value.fields.some((field) => field.name.value === wanted);
}

/** The per-account and per-zone budgets; a request is admitted only if every budget it is charged to allows it. */
export class AccountBasedLimiter {
  readonly #accounts: SlidingWindowLimiter;
  readonly #zones: SlidingWindowLimiter;
  /** Requests admitted, by charged key, for tests. */
  readonly admitted = new Map<string, number>();

  constructor(budget: AccountBasedBudget) {
    this.#accounts = new SlidingWindowLimiter(budget.account, budget.windowSeconds);
    this.#zones = new SlidingWindowLimiter(budget.zone, budget.windowSeconds);
  }

  /** Charges every key at `now` if each has budget left; charges nothing otherwise. */
  admit(keys: readonly string[], now: number): boolean {
    const wanted = new Map<string, number>();
    for (const key of keys) wanted.set(key, (wanted.get(key) ?? 0) + 1);
    for (const [key, count] of wanted) if (this.#limiterOf(key).remaining(key, now) < count) return false;
    for (const key of keys) {
      this.#limiterOf(key).admit(key, now);
      this.admitted.set(key, (this.admitted.get(key) ?? 0) + 1);
    }
    return true;
  }

  /** The least any charged budget has left (what `viewer.budget` reports in this mode). */
  remaining(keys: readonly string[], now: number): number {
    return Math.min(...keys.map((key) => this.#limiterOf(key).remaining(key, now)));
  }

  #limiterOf(key: string): SlidingWindowLimiter {
    return key.startsWith("zone:") ? this.#zones : this.#accounts;
  }
}
