/**
 * `node:http` in the Lambda bundles (lib/bundling.ts `builtinAliases`), taken from Node's
 * own module table rather than imported as an ES module. Node builds an ES module's
 * facade of a built-in by reading every export, and `node:http`'s lazy `WebSocket`,
 * `CloseEvent` and `MessageEvent` exports then load undici: 30–50 ms of a cold start
 * for code the functions never run. Only the names the bundles import are exported; a
 * dependency that imports another one fails the build with esbuild's "No matching export".
 */
const http = process.getBuiltinModule("node:http");

export const { Agent, request } = http;
export default http;
