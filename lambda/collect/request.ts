import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { once } from "../lib/once.ts";
import { toIsoSeconds } from "../lib/time.ts";
import * as z from "../lib/zod.ts";

/**
 * Many query groups in one GraphQL request. Each part is one group's dataset node for a
 * set of zones (or one account) over its own time range, under its own alias and
 * variables, so a request carries every dataset of a chunk of zones at once and each part
 * keeps exactly the meaning it would have alone.
 */
export interface RequestPart {
  group: AnyQueryGroup;
  /** Zone tags (≤ 10) for zone groups; the account tag for account groups. */
  scopeIds: readonly string[];
  from: number;
  to: number;
  limit: number;
}

export interface BuiltRequest {
  document: string;
  variables: Record<string, unknown>;
}

export const aliasOf = (index: number) => `p${index}`;

/**
 * The request for `parts`. With `account` (account-based rate limiting), every part is
 * nested in one `accounts` block of that account: Cloudflare refuses zone lists at the
 * `viewer` level in that mode and charges each top-level block, so one block costs the
 * account one request. A zone part is then `pN: zones(...) { tag rows }` inside it, an
 * account part its dataset node `pN: dataset(...)` directly.
 */
export function buildRequest(parts: readonly RequestPart[], account?: string): BuiltRequest {
  const declarations: string[] = account === undefined ? [] : ["$account: string!"];
  const selections: string[] = [];
  const variables: Record<string, unknown> = account === undefined ? {} : { account };
  parts.forEach((part, index) => {
    const alias = aliasOf(index);
    const { group } = part;
    const filter = [`datetime_geq: $${alias}From`, `datetime_lt: $${alias}To`, group.filter]
      .filter(Boolean)
      .join(", ");
    const node = `${account !== undefined && group.scope === "account" ? alias : "rows"}: ${group.dataset}(limit: $${alias}Limit, filter: { ${filter} }, orderBy: [${[`${group.timeDimension}_ASC`, group.rowOrder].filter(Boolean).join(", ")}]) { ${group.selection} }`;
    declarations.push(`$${alias}From: Time!`, `$${alias}To: Time!`, `$${alias}Limit: uint64!`);
    variables[`${alias}From`] = toIsoSeconds(part.from);
    variables[`${alias}To`] = toIsoSeconds(part.to);
    variables[`${alias}Limit`] = part.limit;
    if (group.scope === "zone") {
      declarations.push(`$${alias}Zones: [string!]`);
      variables[`${alias}Zones`] = [...part.scopeIds];
      selections.push(`${alias}: zones(filter: { zoneTag_in: $${alias}Zones }) { tag: zoneTag ${node} }`);
    } else if (account !== undefined) {
      selections.push(node);
    } else {
      declarations.push(`$${alias}Account: string!`);
      variables[`${alias}Account`] = part.scopeIds[0];
      selections.push(
        `${alias}: accounts(filter: { accountTag: $${alias}Account }) { tag: accountTag ${node} }`,
      );
    }
  });
  const name = parts.length === 1 && parts[0] ? camel(parts[0].group.name) : "Collect";
  const body =
    account === undefined
      ? selections.join(" ")
      : `accounts(filter: { accountTag: $account }) { ${selections.join(" ")} }`;
  return { document: `query ${name}(${declarations.join(", ")}) { viewer { ${body} } }`, variables };
}

function camel(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

/** Per part: scope ID → its rows (validated by the group's schema), or why that part failed. */
export type PartResult = Map<string, unknown[]> | CloudflareApiError;

// Built at first use, so a cold start that sends no request does not build them.
const scopeAnswers = once(() => z.array(z.object({ tag: z.string(), rows: z.array(z.unknown()) })));
const answerSchema = once(() => z.object({ viewer: z.record(z.string(), scopeAnswers()) }));
const nestedAnswerSchema = once(() =>
  z.object({
    viewer: z.object({ accounts: z.array(z.record(z.string(), z.array(z.unknown()))) }),
  }),
);
type ScopeAnswers = z.output<ReturnType<typeof scopeAnswers>>;

/** Each part's answers as `[{ tag, rows }]`, whichever shape the request had. */
async function answersOf(
  graphql: CloudflareGraphqlClient,
  parts: readonly RequestPart[],
): Promise<Record<string, ScopeAnswers | undefined>> {
  const account = graphql.account;
  const { document, variables } = buildRequest(parts, account);
  if (account === undefined) return (await graphql.query(document, variables, answerSchema())).viewer;
  const block = (await graphql.query(document, variables, nestedAnswerSchema())).viewer.accounts[0] ?? {};
  const out: Record<string, ScopeAnswers | undefined> = {};
  for (const [index, part] of parts.entries()) {
    const alias = aliasOf(index);
    const answer = block[alias];
    if (answer === undefined) continue;
    if (part.group.scope === "account") out[alias] = [{ tag: account, rows: answer }];
    else {
      const parsed = scopeAnswers().safeParse(answer);
      if (parsed.success) out[alias] = parsed.data;
    }
  }
  return out;
}

/**
 * Sends the parts as one request. A request-level failure throws (the caller decides how to
 * isolate it); a part whose rows do not match its group's schema fails alone.
 */
export async function sendRequest(
  graphql: CloudflareGraphqlClient,
  parts: readonly RequestPart[],
): Promise<PartResult[]> {
  const answers = await answersOf(graphql, parts);
  return parts.map((part, index) => {
    const answer = answers[aliasOf(index)];
    if (!answer) return new CloudflareApiError("transient", `${part.group.name}: missing from the answer`);
    const out = new Map<string, unknown[]>();
    const rowsSchema = z.array(part.group.rowSchema);
    for (const scope of answer) {
      const parsed = rowsSchema.safeParse(scope.rows);
      if (!parsed.success) {
        return new CloudflareApiError(
          "transient",
          `malformed ${part.group.dataset} rows: ${z.prettifyError(parsed.error)}`,
        );
      }
      out.set(scope.tag, parsed.data);
    }
    return out;
  });
}

/**
 * Which part a GraphQL error's `path` points at (`["viewer", "p3", 2, …]` → 3 and scope
 * index 2; nested in an account, `["viewer", "accounts", 0, "p3", 2, …]` alike).
 */
export function partOfError(error: CloudflareApiError): { part: number; scopeIndex?: number } | undefined {
  const path = error.path ?? [];
  const nested = path[1] === "accounts" && typeof path[3] === "string";
  const [first, alias, index] = nested ? [path[0], path[3], path[4]] : path;
  if (first !== "viewer" || typeof alias !== "string") return undefined;
  const match = /^p(\d+)$/.exec(alias);
  if (!match) return undefined;
  const scopeIndex = Number(index);
  return {
    part: Number(match[1]),
    ...(index !== undefined && Number.isInteger(scopeIndex) ? { scopeIndex } : {}),
  };
}
