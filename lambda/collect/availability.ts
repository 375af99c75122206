import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { readDocument, writeDocument } from "../store/items.ts";
import { keys, type Store } from "../store/table.ts";

/**
 * Datasets Cloudflare refused for a zone or account ("does not have access to the path" or
 * "… to the field": a plan, an entitlement such as Bot Management or Magic Transit, a token
 * permission). They are remembered for UNAVAILABLE_RETRY_SECONDS, so a missing dataset
 * costs one refusal an hour instead of one a minute, and the other zones never wait on it.
 */
const entrySchema = once(() => z.object({ until: z.number(), reason: z.string() }));
// Built at first use, so a cold start that reads no availability does not build it.
const documentSchema = once(() => z.record(z.string(), entrySchema()));
type Entry = z.output<ReturnType<typeof entrySchema>>;

export class Availability {
  readonly #store: Store;
  readonly #accountId: string;
  readonly #now: number;
  readonly #entries: Record<string, Entry>;
  #changed = false;

  private constructor(store: Store, accountId: string, now: number, entries: Record<string, Entry>) {
    this.#store = store;
    this.#accountId = accountId;
    this.#now = now;
    this.#entries = entries;
  }

  static async load(store: Store, accountId: string, nowMs: number): Promise<Availability> {
    const stored = await readDocument(store, keys.account(accountId), keys.unavailable, documentSchema());
    const live = Object.fromEntries(Object.entries(stored?.value ?? {}).filter(([, e]) => e.until > nowMs));
    const availability = new Availability(store, accountId, nowMs, live);
    availability.#changed = Object.keys(live).length !== Object.keys(stored?.value ?? {}).length;
    return availability;
  }

  isUnavailable(group: string, scopeId: string): boolean {
    return (this.#entries[`${group}|${scopeId}`]?.until ?? 0) > this.#now;
  }

  mark(group: string, scopeId: string, retrySeconds: number, reason: string): void {
    this.#entries[`${group}|${scopeId}`] = { until: this.#now + retrySeconds * 1000, reason };
    this.#changed = true;
  }

  async save(): Promise<void> {
    if (!this.#changed) return;
    await writeDocument(
      this.#store,
      keys.account(this.#accountId),
      keys.unavailable,
      this.#entries,
      this.#now,
    );
    this.#changed = false;
  }
}
