/**
 * `npm start`. Until the collection pipeline lands, local mode is the Cloudflare API
 * simulator on its own; see README.md.
 */
await import("./simulator/main.ts");
