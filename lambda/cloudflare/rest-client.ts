import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";
import { type ClientOptions, guardedCall } from "./call.ts";
import { CloudflareApiError, classifyRestErrors, notJson, rayOf } from "./errors.ts";

/** Built at first use, so a cold start that makes no REST call does not build it. */
const envelopeSchema = once(() =>
  z.object({
    success: z.boolean(),
    errors: z._default(
      z.array(z.looseObject({ code: z.optional(z.unknown()), message: z.optional(z.unknown()) })),
      [],
    ),
    result: z.unknown(),
    // Most lists count pages (`page`, `total_pages`); some (rulesets) hand out a `cursor` instead.
    result_info: z.nullish(
      z.looseObject({
        page: z.optional(z.number()),
        total_pages: z.optional(z.number()),
        cursor: z.nullish(z.string()),
      }),
    ),
  }),
);

/** Cloudflare's REST API (v4 envelope), with pagination. */
export class CloudflareRestClient {
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /** One object (or one page) of `path`, validated by `schema`. */
  async get<T>(path: string, schema: z.ZodMiniType<T>, query: Record<string, string> = {}): Promise<T> {
    const envelope = await this.#request(path, query);
    return this.#parse(path, schema, envelope.result);
  }

  /**
   * Every item of a paginated list, 50 at a time: follows `result_info.cursor` on the
   * lists that hand one out, `result_info.total_pages` on the others.
   */
  async list<T>(
    path: string,
    itemSchema: z.ZodMiniType<T>,
    query: Record<string, string> = {},
  ): Promise<T[]> {
    const items: T[] = [];
    const cursors = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      const where: Record<string, string> = cursor === undefined ? { page: String(page) } : { cursor };
      const envelope = await this.#request(path, { ...query, ...where, per_page: "50" });
      const pageItems = this.#parse(path, z.array(itemSchema), envelope.result);
      items.push(...pageItems);
      const next = envelope.result_info?.cursor;
      if (next && pageItems.length > 0) {
        // A cursor seen before would page forever over the same items.
        if (cursors.has(next)) {
          throw new CloudflareApiError("transient", `${path} handed out the same page cursor twice`);
        }
        cursors.add(next);
        cursor = next;
        continue;
      }
      if (cursor !== undefined || page >= (envelope.result_info?.total_pages ?? 1)) return items;
    }
  }

  #parse<T>(path: string, schema: z.ZodMiniType<T>, value: unknown): T {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new CloudflareApiError(
        "transient",
        `malformed result from ${path}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  async #request(
    path: string,
    query: Record<string, string>,
  ): Promise<z.output<ReturnType<typeof envelopeSchema>>> {
    const url = new URL(`${this.#options.baseUrl.replace(/\/$/, "")}${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return guardedCall(this.#options, `GET ${path}`, async () => {
      const response = await (this.#options.fetch ?? fetch)(url, {
        headers: { authorization: `Bearer ${this.#options.token}` },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      const text = await response.text();
      const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw notJson(response.status, text, rayOf(response.headers, text));
      }
      const envelope = envelopeSchema().safeParse(json);
      if (!envelope.success) {
        throw new CloudflareApiError(
          "transient",
          `malformed envelope from ${path} (HTTP ${response.status})`,
          {
            status: response.status,
          },
        );
      }
      if (!response.ok || !envelope.data.success) {
        throw classifyRestErrors(
          envelope.data.errors,
          response.status,
          Number.isFinite(retryAfter) ? retryAfter : undefined,
          rayOf(response.headers, ""),
        );
      }
      return envelope.data;
    });
  }
}
