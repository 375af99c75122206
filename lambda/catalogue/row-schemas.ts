import { once } from "../lib/once.ts";
import * as z from "../lib/zod.ts";

/**
 * The zod pieces a query group's row schema is built from, and the GraphQL selection read
 * back from a row schema (query-group.ts re-exports them for the group files).
 */

/** `Time` values as Cloudflare writes them, to Unix seconds. */
export const timeSchema = once(() =>
  z.pipe(
    z.string(),
    z.transform((value, ctx) => {
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) {
        ctx.issues.push({ code: "custom", message: `not a time: ${value}`, input: value });
        return z.NEVER;
      }
      return ms / 1000;
    }),
  ),
);

/** Counts and sums as Cloudflare returns them (never negative). */
export const countSchema = once(() => z.number().check(z.nonnegative()));

/**
 * The GraphQL selection a row schema asks for: each object field becomes `name { … }`, each
 * other field its name. A group's selection is derived from its row schema this way, so
 * the two cannot drift apart.
 */
export function selectionOf(schema: z.core.$ZodType): string {
  const shape = objectShape(schema);
  if (!shape) return "";
  return Object.entries(shape)
    .map(([field, child]) => {
      const inner = selectionOf(child);
      return inner === "" ? field : `${field} { ${inner} }`;
    })
    .join(" ");
}

/** Read from the schema's definition, which zod's builds share (not its class). */
function objectShape(schema: z.core.$ZodType): Readonly<Record<string, z.core.$ZodType>> | undefined {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case "object":
      return def.shape;
    case "optional":
    case "nullable":
      return objectShape(def.innerType);
    case "array":
      return objectShape(def.element);
    default:
      return undefined;
  }
}

/** A row of a per-minute dataset: its value fields, and its dimensions after `datetimeMinute`. */
export function minuteRowSchema<Fields extends z.core.$ZodShape, Dimensions extends z.core.$ZodShape>(
  fields: Fields,
  dimensions: Dimensions,
) {
  return z.object({ ...fields, dimensions: z.object({ datetimeMinute: timeSchema(), ...dimensions }) });
}
