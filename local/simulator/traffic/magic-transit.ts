import { Random } from "../random.ts";
import type { Account } from "../world.ts";
import type { Cell } from "./cell.ts";

const edgeColos = [
  { code: "IAD", name: "Ashburn", city: "Ashburn", country: "US", region: "ENAM" },
  { code: "EWR", name: "Newark", city: "Newark", country: "US", region: "ENAM" },
  { code: "FRA", name: "Frankfurt", city: "Frankfurt", country: "DE", region: "WEU" },
] as const;
/** Each colo probes each tunnel every ten seconds. */
const checksPerMinute = 6;

export function tunnelCells(seed: string, account: Account, minuteStart: number): Cell[] {
  const cells: Cell[] = [];
  for (const tunnel of account.tunnels) {
    for (const colo of edgeColos) {
      const random = new Random(seed, "tunnel", account.id, tunnel.name, colo.code, minuteStart);
      const roll = random.next();
      const resultStatus = roll < 0.9 ? "healthy" : roll < 0.97 ? "degraded" : "down";
      const state = resultStatus === "healthy" ? 1 : resultStatus === "degraded" ? 0.5 : 0;
      cells.push({
        time: minuteStart + random.int(0, 9),
        minute: minuteStart,
        attrs: {
          tunnelName: tunnel.name,
          siteName: tunnel.siteName,
          remoteTunnelIPv4: tunnel.remoteIPv4,
          resultStatus,
          active: tunnel.name.endsWith("backup") ? 0 : 1,
          edgeColoCode: colo.code,
          edgeColoName: colo.name,
          edgeColoCity: colo.city,
          edgeColoCountry: colo.country,
          edgeColoRegion: colo.region,
          edgePopName: colo.code.toLowerCase(),
        },
        metrics: { count: checksPerMinute, tunnelState: checksPerMinute * state },
      });
    }
  }
  return cells;
}
