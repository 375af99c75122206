import type { Account, World, Zone } from "../world.ts";
import type { Cell } from "./cell.ts";
import { dnsCells } from "./dns.ts";
import { healthCheckCells } from "./health-checks.ts";
import { httpCells } from "./http.ts";
import { loadBalancingCells } from "./load-balancing.ts";
import { logpushCells } from "./logpush.ts";
import { dosdCells, magicFirewallCells, tunnelSloCells, tunnelTrafficCells } from "./magic-network.ts";
import { tunnelCells } from "./magic-transit.ts";
import { r2OperationCells, r2StorageCells } from "./r2.ts";
import { streamCells } from "./stream.ts";
import { workerCells } from "./workers.ts";

export type SourceName =
  | "http"
  | "healthChecks"
  | "loadBalancing"
  | "workers"
  | "logpush"
  | "tunnels"
  | "dns"
  | "r2Operations"
  | "r2Storage"
  | "tunnelTraffic"
  | "tunnelSlo"
  | "magicFirewall"
  | "dosd"
  | "stream";
export type Scope = { kind: "zone"; zone: Zone } | { kind: "account"; account: Account };

/**
 * The deterministic traffic of a world: final (settled) cells per source, scope and minute.
 * Generation is pure, so the cache only saves time and never changes an answer.
 */
export class TrafficModel {
  readonly #world: World;
  readonly #cache = new Map<string, Cell[]>();
  readonly #cacheLimit: number;
  /**
   * Each account's zones as the world began: the account's DNS history is its zones' queries,
   * and a zone added or removed later must not rewrite minutes already past.
   */
  readonly #accountZones: ReadonlyMap<string, readonly Zone[]>;

  constructor(world: World, cacheLimit = 50_000) {
    this.#world = world;
    this.#cacheLimit = cacheLimit;
    this.#accountZones = new Map(
      world.accounts.map((account) => [
        account.id,
        world.zones.filter((zone) => zone.accountId === account.id),
      ]),
    );
  }

  cells(source: SourceName, scope: Scope, minuteStart: number): Cell[] {
    const scopeId = scope.kind === "zone" ? scope.zone.id : scope.account.id;
    const key = `${source}/${scopeId}/${minuteStart}`;
    let cells = this.#cache.get(key);
    if (!cells) {
      cells = this.#generate(source, scope, minuteStart);
      if (this.#cache.size >= this.#cacheLimit) this.#cache.clear();
      this.#cache.set(key, cells);
    }
    return cells;
  }

  #generate(source: SourceName, scope: Scope, minuteStart: number): Cell[] {
    const seed = this.#world.seed;
    if (scope.kind === "zone") {
      const zone = scope.zone;
      const pools = this.#world.accounts.find((a) => a.id === zone.accountId)?.pools ?? [];
      switch (source) {
        case "http":
          return httpCells(seed, zone, minuteStart);
        case "healthChecks":
          return healthCheckCells(seed, zone, pools, minuteStart);
        case "loadBalancing":
          return loadBalancingCells(seed, zone, pools, minuteStart);
        case "logpush":
          return logpushCells(seed, zone.id, zone.logpushJobs, minuteStart);
        case "dns":
          return dnsCells(seed, zone, minuteStart);
        default:
          return [];
      }
    }
    const account = scope.account;
    switch (source) {
      case "workers":
        return workerCells(seed, account, minuteStart);
      case "logpush":
        return logpushCells(seed, account.id, account.logpushJobs, minuteStart);
      case "tunnels":
        return tunnelCells(seed, account, minuteStart);
      case "dns":
        // The account's view is its zones' queries, each with its zoneTag.
        return (this.#accountZones.get(account.id) ?? []).flatMap((zone) =>
          this.cells("dns", { kind: "zone", zone }, minuteStart),
        );
      case "r2Operations":
        return r2OperationCells(seed, account, minuteStart);
      case "r2Storage":
        return r2StorageCells(seed, account, minuteStart);
      case "tunnelTraffic":
        return tunnelTrafficCells(seed, account, minuteStart);
      case "tunnelSlo":
        return tunnelSloCells(seed, account, minuteStart);
      case "magicFirewall":
        return magicFirewallCells(seed, account, minuteStart);
      case "dosd":
        return dosdCells(seed, account, minuteStart);
      case "stream":
        return streamCells(seed, account, minuteStart);
      default:
        return [];
    }
  }
}
