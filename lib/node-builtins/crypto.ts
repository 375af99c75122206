/**
 * `node:crypto` in the Lambda bundles (lib/bundling.ts `builtinAliases`), without its ES
 * module facade: building it reads the lazy `webcrypto`, `subtle` and `getRandomValues`
 * exports, which load Web Crypto and its algorithm tables at every cold start. Only the
 * names the bundles import are exported (a new one fails the build); `getRandomValues`
 * reaches Web Crypto only when first called.
 */
const crypto = process.getBuiltinModule("node:crypto");

export const { createHash, createHmac, createSecretKey, randomUUID, timingSafeEqual } = crypto;
export const getRandomValues: typeof crypto.getRandomValues = (array) => crypto.getRandomValues(array);
export default crypto;
