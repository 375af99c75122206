/** Cloudflare answers at most this many zones in one zone-scoped GraphQL query. */
export const maxZonesPerQuery = 10;
