import { Kind, parse, type SelectionSetNode, valueFromASTUntyped } from "graphql";

/**
 * Cloudflare's per-request query ceiling: "the total number of queries in a request is
 * equal to the number of zone/account scopes, multiplied by the number of nodes to which
 * they are applied". Past an undisclosed ceiling it answers HTTP 429 "in combination, your
 * request queries too many nodes, zones and accounts". Off unless a ceiling is set.
 */
export const tooManyNodesMessage = "in combination, your request queries too many nodes, zones and accounts";

export interface QueryCount {
  /** Scopes × dataset nodes, summed over the request's `zones`/`accounts` blocks. */
  queries: number;
  /** Every zone or account tag the request names (to attribute a refusal to an account). */
  scopeTags: string[];
}

/**
 * Counts a request's queries. `settings` is not a dataset node and is not counted; a
 * document that does not parse counts 0 (the GraphQL layer answers it).
 */
export function countQueries(query: string, variables: Record<string, unknown> | undefined): QueryCount {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query);
  } catch {
    return { queries: 0, scopeTags: [] };
  }
  const out: QueryCount = { queries: 0, scopeTags: [] };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const viewer of fields(definition.selectionSet)) {
      if (viewer.name.value !== "viewer") continue;
      for (const scope of fields(viewer.selectionSet)) {
        if (scope.name.value !== "zones" && scope.name.value !== "accounts") continue;
        countScope(scope, variables, out);
        // Zone lists nested in an account (account-based rate limiting) are zone scopes too.
        if (scope.name.value !== "accounts") continue;
        for (const nested of fields(scope.selectionSet))
          if (nested.name.value === "zones") countScope(nested, variables, out);
      }
    }
  }
  return out;
}

/** A scope block's queries: its tags times its dataset nodes (`settings` and nested `zones` are not nodes). */
function countScope(
  scope: FieldNodeOf,
  variables: Record<string, unknown> | undefined,
  out: QueryCount,
): void {
  const tags = scopeTagsOf(scope.arguments ?? [], variables);
  const nodes = fields(scope.selectionSet).filter(
    (node) =>
      node.selectionSet !== undefined && node.name.value !== "settings" && node.name.value !== "zones",
  ).length;
  out.queries += Math.max(1, tags.length) * nodes;
  out.scopeTags.push(...tags);
}

export type FieldNodeOf = Extract<SelectionSetNode["selections"][number], { kind: Kind.FIELD }>;

export function fields(set: SelectionSetNode | undefined): FieldNodeOf[] {
  return (set?.selections ?? []).filter((s): s is FieldNodeOf => s.kind === Kind.FIELD);
}

export function scopeTagsOf(
  args: readonly NonNullable<FieldNodeOf["arguments"]>[number][],
  variables: Record<string, unknown> | undefined,
): string[] {
  const filter = args.find((arg) => arg.name.value === "filter");
  if (!filter) return [];
  const value = valueFromASTUntyped(filter.value, variables) as Record<string, unknown> | null;
  const tags: string[] = [];
  for (const key of ["zoneTag", "accountTag"]) if (typeof value?.[key] === "string") tags.push(value[key]);
  for (const key of ["zoneTag_in", "accountTag_in"]) {
    const list = value?.[key];
    if (Array.isArray(list)) tags.push(...list.filter((t): t is string => typeof t === "string"));
  }
  return tags;
}

export interface CeilingRefusal {
  /** Unix seconds. */
  at: number;
  queries: number;
  scopeTags: string[];
}

/** The configurable ceiling: decides, and remembers every refusal for tests and benchmarks. */
export class QueryCeiling {
  readonly limit: number | undefined;
  readonly refusals: CeilingRefusal[] = [];
  /** `budget` answers (GraphQL) and REST 429s the simulator's own rate limits gave (not injected faults). */
  budgetAnswers = 0;

  constructor(limit: number | undefined) {
    this.limit = limit;
  }

  /** Whether a request with this body is refused for its size (recorded when it is). */
  refuses(body: string, now: number): boolean {
    if (this.limit === undefined) return false;
    let json: { query?: unknown; variables?: unknown };
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      return false;
    }
    if (typeof json.query !== "string") return false;
    const variables =
      typeof json.variables === "object" && json.variables !== null
        ? (json.variables as Record<string, unknown>)
        : undefined;
    const count = countQueries(json.query, variables);
    if (count.queries <= this.limit) return false;
    this.refusals.push({ at: now, queries: count.queries, scopeTags: count.scopeTags });
    return true;
  }
}
