/**
 * Stands in for `graphql` in the Lambda bundles (see lib/bundling.ts). graphql-request
 * imports graphql's parser (about 43 KB) only to read an operation name out of a string
 * document; the exporter sends string documents with `excludeOperationName`
 * (lambda/cloudflare/graphql-client.ts), so the parser and printer never run there.
 * Should a caller ever hand graphql-request a parsed document, it fails loudly here.
 */
const notBundled = (what: string) =>
  new Error(`graphql's ${what} is not in the Lambda bundle: send GraphQL documents as strings`);

export const Kind = { OPERATION_DEFINITION: "OperationDefinition" } as const;

export function parse(): never {
  throw notBundled("parser");
}

export function print(): never {
  throw notBundled("printer");
}
