import { ClientError, GraphQLClient } from "graphql-request";
import type * as z from "../lib/zod.ts";
import { type CallBudget, type ClientOptions, guardedCall } from "./call.ts";
import { CloudflareApiError, classifyGraphqlErrors, classifyRestErrors, notJson, rayOf } from "./errors.ts";

export interface GraphqlClientOptions extends ClientOptions {
  /**
   * Account-based rate limiting (GRAPHQL_ACCOUNT_BASED_RATE_LIMITING): an account's client
   * (`forAccount`) sends `X-Rate-Limit-Type: account-based` and draws from that account's budget.
   */
  accountBased?: { limiterFor(accountId: string): CallBudget };
}

/** Cloudflare's GraphQL Analytics API: every answer checked, every error classified. */
export class CloudflareGraphqlClient {
  readonly #client: GraphQLClient;
  readonly #options: GraphqlClientOptions;
  /**
   * Set on an account's client under account-based rate limiting: Cloudflare charges the
   * account, and zone lists must be nested in its `accounts` block (collect/request.ts).
   */
  readonly account: string | undefined;

  constructor(options: GraphqlClientOptions, account?: string) {
    this.#options = options;
    this.account = account;
    this.#client = new GraphQLClient(`${options.baseUrl.replace(/\/$/, "")}/graphql`, {
      headers: {
        authorization: `Bearer ${options.token}`,
        ...(account === undefined ? {} : { "x-rate-limit-type": "account-based" }),
      },
      errorPolicy: "all",
      // A string document goes as it is: no parse for its operation name (each document
      // holds one operation, so none is needed), and no GraphQL parser in the bundle.
      excludeOperationName: true,
      jsonSerializer: { stringify: JSON.stringify, parse: parseGraphqlBody },
      fetch: jsonOnly(options.fetch ?? fetch),
    });
  }

  /**
   * The client for one account's queries: itself in the default mode (one budget per
   * token); under account-based rate limiting, one that asks for it and spends the account's budget.
   */
  forAccount(accountId: string): CloudflareGraphqlClient {
    const { accountBased } = this.#options;
    if (!accountBased || this.account === accountId) return this;
    return new CloudflareGraphqlClient(
      { ...this.#options, limiter: accountBased.limiterFor(accountId) },
      accountId,
    );
  }

  /** What this client's budget holds now (calls in the last 5 minutes, of its limit), when it keeps a count. */
  budgetUsage(): Promise<{ used: number; limit: number }> | undefined {
    return this.#options.limiter.usage?.();
  }

  /** Runs `query` and returns its `data` validated by `schema`, or throws a CloudflareApiError. */
  async query<T>(query: string, variables: Record<string, unknown>, schema: z.ZodMiniType<T>): Promise<T> {
    return guardedCall(this.#options, "GraphQL request", async () => {
      const parsed = schema.safeParse(await this.#send(query, variables));
      if (!parsed.success) {
        throw new CloudflareApiError(
          "transient",
          `malformed GraphQL response: ${parsed.error.issues[0]?.message ?? ""}`,
        );
      }
      return parsed.data;
    });
  }

  async #send(query: string, variables: Record<string, unknown>): Promise<unknown> {
    try {
      const response = await this.#client.rawRequest<unknown>({
        query,
        variables,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      if (response.errors && response.errors.length > 0)
        throw classifyGraphqlErrors(response.errors, response.status, rayOf(response.headers, ""));
      if (response.data === null || response.data === undefined) {
        throw new CloudflareApiError("transient", "GraphQL response without data or errors", {
          status: response.status,
        });
      }
      return response.data;
    } catch (error) {
      if (error instanceof ClientError) throw classifyClientError(error);
      throw error;
    }
  }
}

/**
 * Cloudflare answers success as `{"data": {...}, "errors": null}`; graphql-request only
 * accepts an absent or array `errors`, so a null one is dropped before it looks.
 */
function parseGraphqlBody(text: string): unknown {
  const body: unknown = JSON.parse(text);
  if (typeof body === "object" && body !== null && "errors" in body && body.errors === null) {
    const { errors: _, ...rest } = body;
    return rest;
  }
  return body;
}

/**
 * An answer that is not JSON (an HTML error page from the edge) fails with its status and
 * ray ID before graphql-request tries to parse it and loses both.
 */
function jsonOnly(send: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await send(input, init);
    if (/json/i.test(response.headers.get("content-type") ?? "")) return response;
    const text = await response.text();
    try {
      JSON.parse(text);
    } catch {
      throw notJson(response.status, text, rayOf(response.headers, text));
    }
    return new Response(text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** A non-2xx answer: read what the body says, whatever shape it has. */
function classifyClientError(error: ClientError): CloudflareApiError {
  const { status, errors, body } = error.response;
  const ray = rayOf(error.response.headers, "");
  if (errors && errors.length > 0) return classifyGraphqlErrors(errors, status, ray);
  let json: unknown;
  try {
    json = typeof body === "string" ? JSON.parse(body) : undefined;
  } catch {
    json = undefined;
  }
  const restErrors = (json as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(restErrors) && restErrors.length > 0) {
    // Cloudflare sometimes answers the GraphQL URL with a REST envelope (e.g. auth failures).
    return classifyRestErrors(restErrors as { code?: unknown; message?: unknown }[], status, undefined, ray);
  }
  return classifyRestErrors([], status, undefined, ray);
}
