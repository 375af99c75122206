import * as z from "zod";
import type { AnyQueryGroup } from "../catalogue/query-group.ts";
import { CloudflareApiError } from "../cloudflare/errors.ts";
import type { CloudflareGraphqlClient } from "../cloudflare/graphql-client.ts";
import { toIsoSeconds } from "../lib/time.ts";

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

export function buildRequest(parts: readonly RequestPart[]): BuiltRequest {
  const declarations: string[] = [];
  const selections: string[] = [];
  const variables: Record<string, unknown> = {};
  parts.forEach((part, index) => {
    const alias = aliasOf(index);
    const { group } = part;
    const filter = [`datetime_geq: $${alias}From`, `datetime_lt: $${alias}To`, group.filter]
      .filter(Boolean)
      .join(", ");
    const node = `rows: ${group.dataset}(limit: $${alias}Limit, filter: { ${filter} }, orderBy: [${[`${group.timeDimension}_ASC`, group.rowOrder].filter(Boolean).join(", ")}]) { ${group.selection} }`;
    declarations.push(`$${alias}From: Time!`, `$${alias}To: Time!`, `$${alias}Limit: uint64!`);
    variables[`${alias}From`] = toIsoSeconds(part.from);
    variables[`${alias}To`] = toIsoSeconds(part.to);
    variables[`${alias}Limit`] = part.limit;
    if (group.scope === "zone") {
      declarations.push(`$${alias}Zones: [string!]`);
      variables[`${alias}Zones`] = [...part.scopeIds];
      selections.push(`${alias}: zones(filter: { zoneTag_in: $${alias}Zones }) { tag: zoneTag ${node} }`);
    } else {
      declarations.push(`$${alias}Account: string!`);
      variables[`${alias}Account`] = part.scopeIds[0];
      selections.push(
        `${alias}: accounts(filter: { accountTag: $${alias}Account }) { tag: accountTag ${node} }`,
      );
    }
  });
  const name = parts.length === 1 && parts[0] ? camel(parts[0].group.name) : "Collect";
  return {
    document: `query ${name}(${declarations.join(", ")}) { viewer { ${selections.join(" ")} } }`,
    variables,
  };
}

function camel(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

/** Per part: scope ID → its rows (validated by the group's schema), or why that part failed. */
export type PartResult = Map<string, unknown[]> | CloudflareApiError;

const answerSchema = z.object({
  viewer: z.record(z.string(), z.array(z.object({ tag: z.string(), rows: z.array(z.unknown()) }))),
});

/**
 * Sends the parts as one request. A request-level failure throws (the caller decides how to
 * isolate it); a part whose rows do not match its group's schema fails alone.
 */
export async function sendRequest(
  graphql: CloudflareGraphqlClient,
  parts: readonly RequestPart[],
): Promise<PartResult[]> {
  const { document, variables } = buildRequest(parts);
  const data = await graphql.query(document, variables, answerSchema);
  return parts.map((part, index) => {
    const answer = data.viewer[aliasOf(index)];
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

/** Which part a GraphQL error's `path` points at (`["viewer", "p3", 2, …]` → 3 and scope index 2). */
export function partOfError(error: CloudflareApiError): { part: number; scopeIndex?: number } | undefined {
  const [first, alias, index] = error.path ?? [];
  if (first !== "viewer" || typeof alias !== "string") return undefined;
  const match = /^p(\d+)$/.exec(alias);
  if (!match) return undefined;
  const scopeIndex = Number(index);
  return {
    part: Number(match[1]),
    ...(index !== undefined && Number.isInteger(scopeIndex) ? { scopeIndex } : {}),
  };
}
