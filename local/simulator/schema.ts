import { readFileSync } from "node:fs";
import { buildSchema, type GraphQLSchema } from "graphql";

/**
 * Cloudflare's published GraphQL Analytics schema (SDL), kept in the repository so every
 * query is validated against the real field names and argument types.
 */
export const schemaPath = new URL("./cloudflare-schema.graphql", import.meta.url);

let cached: GraphQLSchema | undefined;

export function cloudflareSchema(): GraphQLSchema {
  cached ??= buildSchema(readFileSync(schemaPath, "utf8"), { assumeValidSDL: true });
  return cached;
}
