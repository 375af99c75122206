/**
 * A DynamoDB (dynalite) in a process of its own, so the process measured (the fetcher or
 * the endpoint) holds none of the store's time or memory. Prints its endpoint, runs
 * until its parent closes stdin.
 */
import { startDynalite } from "../local/dynalite.ts";

const dynamo = await startDynalite();
console.log(JSON.stringify({ endpoint: dynamo.endpoint }));
process.stdin.resume();
process.stdin.on("end", () => {
  void dynamo.close().then(() => process.exit(0));
});
