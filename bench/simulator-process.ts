/**
 * The simulator in a process of its own, so the process measured (the fetcher) holds none
 * of the time Cloudflare's side takes to answer: one account of `argv[2]` Business zones, a
 * virtual clock starting at `argv[3]` (ms), set by the bench through `/__simulator/clock`.
 * Prints its base URL and the account, runs until its parent closes stdin.
 */
import { VirtualClock } from "../local/simulator/clock.ts";
import { startSimulator } from "../local/simulator/server.ts";

const zoneCount = Number(process.argv[2]);
const simulator = await startSimulator({
  clock: new VirtualClock(Number(process.argv[3])),
  world: {
    accounts: [
      {
        name: "Bench",
        zones: Array.from({ length: zoneCount }, (_, i) => ({
          name: `zone${i}.example`,
          plan: "business" as const,
        })),
      },
    ],
    tokens: [{ value: "sim-token" }],
  },
});
const account = simulator.world.accounts[0];
console.log(
  JSON.stringify({ baseUrl: simulator.baseUrl, account: { id: account?.id, name: account?.name } }),
);
process.stdin.resume();
process.stdin.on("end", () => {
  void simulator.close().then(() => process.exit(0));
});
