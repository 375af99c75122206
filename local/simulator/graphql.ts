import {
  execute,
  type FieldNode,
  type GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  getNamedType,
  isObjectType,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
} from "graphql";
import { z } from "zod";
import { aggregate } from "./aggregate.ts";
import { type DatasetDef, datasets } from "./datasets.ts";
import { CloudflareError, SimulatorUnsupportedError } from "./errors.ts";
import { accountDatasetLimits, type DatasetLimits, zoneLimits } from "./plans.ts";
import { type Filter, type Group, groupCells, orderGroups, splitFilterKey, timeRange } from "./query.ts";
import { cloudflareSchema } from "./schema.ts";
import type { Scope, TrafficModel } from "./traffic/model.ts";
import type { Token, World, Zone } from "./world.ts";

/** Cloudflare's limit on zones in one zone-scoped query. */
export const maxZonesPerQuery = 10;

export interface GraphqlErrorBody {
  message: string;
  path: string[] | null;
  extensions: { code?: string; timestamp: string };
}
export interface GraphqlResponse {
  status: number;
  body: { data: unknown; errors: GraphqlErrorBody[] | null };
}

export interface GraphqlContext {
  world: World;
  model: TrafficModel;
  token: Token;
  /** Unix seconds. */
  now: number;
  settleSeconds: number;
  budgetRemaining: number;
}

const requestSchema = z.object({
  query: z.string(),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

export function errorBody(
  message: string,
  now: number,
  code?: string,
  path?: readonly (string | number)[],
): GraphqlErrorBody {
  return {
    message,
    path: path ? path.map(String) : null,
    extensions: {
      ...(code ? { code } : {}),
      timestamp: new Date(now * 1000).toISOString().replace(".000Z", "Z"),
    },
  };
}

export function errorResponse(status: number, errors: GraphqlErrorBody[]): GraphqlResponse {
  return { status, body: { data: null, errors } };
}

/** Parses, validates and runs one GraphQL request the way Cloudflare's endpoint does. */
export function runGraphql(rawBody: string, context: GraphqlContext): GraphqlResponse {
  const fail = (message: string, status = 400, code?: string) =>
    errorResponse(status, [errorBody(message, context.now, code)]);
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return fail("failed to decode request body: invalid JSON");
  }
  const request = requestSchema.safeParse(json);
  if (!request.success) return fail("request body must be a JSON object with a string `query`");

  let document: ReturnType<typeof parse>;
  try {
    document = parse(request.data.query);
  } catch (error) {
    return fail(`error parsing query: ${(error as GraphQLError).message}`);
  }
  const schema = cloudflareSchema();
  const invalid = validate(schema, document);
  if (invalid.length > 0) {
    return errorResponse(
      400,
      invalid.map((error) => errorBody(error.message, context.now)),
    );
  }
  const result = execute({
    schema,
    document,
    rootValue: { kind: "root" },
    contextValue: context,
    variableValues: request.data.variables ?? undefined,
    operationName: request.data.operationName ?? undefined,
    fieldResolver,
  });
  if ("then" in result) throw new Error("resolvers are synchronous");
  if (result.errors && result.errors.length > 0) {
    // One failing zone or field voids the whole document, as Cloudflare does.
    const first = result.errors[0]?.originalError;
    const status = first instanceof CloudflareError ? first.status : 400;
    return errorResponse(
      status,
      result.errors.map((error) => {
        const original = error.originalError;
        const code = original instanceof CloudflareError ? original.code : undefined;
        return errorBody(original?.message ?? error.message, context.now, code, error.path);
      }),
    );
  }
  return { status: 200, body: { data: result.data ?? null, errors: null } };
}

type Node =
  | { kind: "root" }
  | { kind: "viewer" }
  | { kind: "scope"; scope: Scope }
  | { kind: "settings"; scope: Scope }
  | { kind: "group"; def: DatasetDef; group: Group }
  | { kind: "section"; def: DatasetDef; group: Group; section: string };

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "kind" in value;
}

const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, context, info) => {
  if (!isNode(source)) return (source as Record<string, unknown>)[info.fieldName];
  const field = info.fieldName;
  switch (source.kind) {
    case "root":
      if (field === "viewer") return { kind: "viewer" };
      if (field === "cost") return 1;
      break;
    case "viewer":
      if (field === "zones") return resolveZones(args, context);
      if (field === "accounts") return resolveAccounts(args, context);
      if (field === "budget") return context.budgetRemaining;
      if (field === "organizations") return [];
      break;
    case "scope":
      if (field === "zoneTag" && source.scope.kind === "zone") return source.scope.zone.id;
      if (field === "accountTag" && source.scope.kind === "account") return source.scope.account.id;
      if (field === "settings") return { kind: "settings", scope: source.scope };
      // Zones nested in an account (the form account-based rate limiting requires): that account's only.
      if (field === "zones" && source.scope.kind === "account")
        return resolveZones(args, context, source.scope.account.id);
      return resolveDataset(source.scope, field, args, context, info);
    case "settings":
      return settingsFor(source.scope, field);
    case "group":
      if (field === "dimensions") return source.group.dims;
      if (field === "count") return aggregateField(source.def, source.group, "count");
      return { kind: "section", def: source.def, group: source.group, section: field };
    case "section":
      return aggregateField(source.def, source.group, `${source.section}.${field}`);
  }
  throw new SimulatorUnsupportedError(`field ${info.parentType.name}.${field}`);
};

function aggregateField(def: DatasetDef, group: Group, path: string): unknown {
  const aggregator = def.fields[path];
  if (!aggregator) throw new SimulatorUnsupportedError(`field ${def.name}.${path}`);
  return aggregate(aggregator, group.cells);
}

function readableZones(context: GraphqlContext): Zone[] {
  return context.world.zones.filter((zone) => context.token.accountIds.includes(zone.accountId));
}

function resolveZones(args: Record<string, unknown>, context: GraphqlContext, accountId?: string): Node[] {
  const filter = (args.filter ?? {}) as { zoneTag?: string; zoneTag_gt?: string; zoneTag_in?: string[] };
  const readable = readableZones(context).filter(
    (zone) => accountId === undefined || zone.accountId === accountId,
  );
  let requested: string[];
  if (filter.zoneTag_in !== undefined) {
    if (filter.zoneTag_in.length === 0) throw new CloudflareError("empty zone filters not allowed", 400);
    requested = [...new Set(filter.zoneTag_in)];
  } else if (filter.zoneTag !== undefined) {
    requested = [filter.zoneTag];
  } else {
    const after = filter.zoneTag_gt ?? "";
    requested = readable.map((zone) => zone.id).filter((id) => id > after);
    if (typeof args.limit === "number") requested = requested.slice(0, args.limit);
  }
  if (requested.length > maxZonesPerQuery) {
    throw new CloudflareError(
      `too many zones requested: ${requested.length}, a query may include at most ${maxZonesPerQuery} zones`,
      400,
      "quota",
    );
  }
  const denied = requested.filter((id) => !readable.some((zone) => zone.id === id));
  if (denied.length > 0)
    throw new CloudflareError(`zones [${denied.join(",")}] are not authorized`, 403, "authz");
  return readable
    .filter((zone) => requested.includes(zone.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((zone) => ({ kind: "scope", scope: { kind: "zone", zone } }));
}

function resolveAccounts(args: Record<string, unknown>, context: GraphqlContext): Node[] {
  const accountTag = (args.filter as { accountTag?: string } | undefined)?.accountTag;
  if (!accountTag) throw new CloudflareError("an account-scoped query must name exactly one accountTag", 400);
  const account = context.world.accounts.find((a) => a.id === accountTag);
  if (!account || !context.token.accountIds.includes(account.id)) {
    throw new CloudflareError("not authorized for that account", 403, "authz");
  }
  return [{ kind: "scope", scope: { kind: "account", account } }];
}

function limitsFor(scope: Scope, dataset: string): DatasetLimits {
  return scope.kind === "zone"
    ? zoneLimits(dataset, scope.zone.plan, scope.zone.botManagement)
    : accountDatasetLimits(dataset, scope.account);
}

function scopeLabel(scope: Scope): string {
  return scope.kind === "zone" ? `zone '${scope.zone.id}'` : `account '${scope.account.id}'`;
}

/** The selected sub-fields of `name` under the resolved field, through fragments. */
function selectedFields(info: GraphQLResolveInfo, name: string): string[] {
  const out = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, inside: boolean) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        if (inside) out.add(selection.name.value);
        else if (selection.name.value === name) walk(selection.selectionSet, true);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, inside);
      } else {
        walk(info.fragments[selection.name.value]?.selectionSet, inside);
      }
    }
  };
  for (const node of info.fieldNodes as readonly FieldNode[]) walk(node.selectionSet, false);
  return [...out];
}

function filterFields(filter: Filter): string[] {
  return Object.entries(filter).flatMap(([key, value]) =>
    key === "AND" || key === "OR" ? (value as Filter[]).flatMap(filterFields) : [splitFilterKey(key)[0]],
  );
}

function resolveDataset(
  scope: Scope,
  name: string,
  args: Record<string, unknown>,
  context: GraphqlContext,
  info: GraphQLResolveInfo,
): Node[] {
  const limits = limitsFor(scope, name);
  if (!limits.enabled)
    throw new CloudflareError(`${scopeLabel(scope)} does not have access to the path`, 403, "authz");
  const def = datasets.get(name);
  if (!def?.scopes.includes(scope.kind)) throw new SimulatorUnsupportedError(`dataset ${scope.kind}.${name}`);
  const filter = (args.filter ?? {}) as Filter;
  const dimensionNames = selectedFields(info, "dimensions");
  for (const field of [...dimensionNames, ...filterFields(filter)]) {
    if (limits.deniedFields.includes(field.toLowerCase())) {
      throw new CloudflareError(
        `${scopeLabel(scope)} does not have access to the field '${field.toLowerCase()}'`,
        403,
        "authz",
      );
    }
  }
  const limit = Number(args.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxPageSize) {
    throw new CloudflareError(
      `limit must be positive number and not greater than ${limits.maxPageSize}`,
      400,
    );
  }
  const { now } = context;
  const range = timeRange(filter);
  if (range.start === undefined) {
    throw new CloudflareError(
      "query time range is too large: the filter must bound the time from below",
      400,
      "quota",
    );
  }
  const end = range.end ?? now;
  if (now - range.start > limits.notOlderThan) {
    throw new CloudflareError(`cannot request data older than ${limits.notOlderThan}s`, 400, "quota");
  }
  if (end - range.start > limits.maxDuration) {
    throw new CloudflareError(
      `query time range is too large. Time range can't be wider than ${limits.maxDuration}s, but it's ${end - range.start}s`,
      400,
      "quota",
    );
  }
  if (def.emptyWhenSelected?.some((dimension) => dimensionNames.includes(dimension))) return [];
  const groups = groupCells(context.model, {
    def,
    scope,
    filter,
    dimensionNames,
    start: range.start,
    end,
    now,
    settleSeconds: context.settleSeconds,
  });
  const orderBy = (args.orderBy ?? []) as string[];
  return orderGroups(def, groups, orderBy, dimensionNames)
    .slice(0, limit)
    .map((group) => ({ kind: "group", def, group }));
}

/** Every leaf field of a dataset's row type, as the `_`-joined paths `availableFields` lists. */
function leafPaths(typeName: string): string[] {
  const type = cloudflareSchema().getType(typeName);
  if (!isObjectType(type)) return [];
  return Object.values(type.getFields()).flatMap((field) => {
    const named = getNamedType(field.type);
    if (!isObjectType(named)) return [field.name];
    return leafPaths(named.name).map((path) => `${field.name}_${path}`);
  });
}

function settingsFor(scope: Scope, dataset: string): Record<string, unknown> {
  const limits = limitsFor(scope, dataset);
  const scopeType = cloudflareSchema().getType(scope.kind);
  const rowType = isObjectType(scopeType) ? scopeType.getFields()[dataset]?.type : undefined;
  const available = limits.enabled && rowType ? leafPaths(getNamedType(rowType).name) : [];
  return {
    enabled: limits.enabled,
    availableFields: available.filter(
      (path) => !limits.deniedFields.some((denied) => path.toLowerCase().endsWith(`_${denied}`)),
    ),
    maxDuration: limits.maxDuration,
    maxNumberOfFields: limits.maxNumberOfFields,
    maxPageSize: limits.maxPageSize,
    notOlderThan: limits.notOlderThan,
  };
}
