import { Random } from "../random.ts";
import type { Account } from "../world.ts";
import type { Cell } from "./cell.ts";

/**
 * Magic Transit accounts' network traffic: per-tunnel traffic, tunnel health-check SLOs,
 * Magic Firewall rule samples and DDoS (dosd) network analytics, one minute at a time.
 */
const mbit = 1_000_000;

export function tunnelTrafficCells(seed: string, account: Account, minuteStart: number): Cell[] {
  return account.tunnels.flatMap((tunnel) =>
    (["ingress", "egress"] as const).flatMap((direction) =>
      ["IAD", "FRA"].map((colo) => {
        const random = new Random(
          seed,
          "tunnel-traffic",
          account.id,
          tunnel.name,
          direction,
          colo,
          minuteStart,
        );
        const packets = random.int(10_000, 90_000);
        return {
          time: minuteStart + random.int(0, 59),
          minute: minuteStart,
          attrs: {
            tunnelName: tunnel.name,
            direction,
            onRamp: direction === "ingress" ? tunnel.name : "",
            offRamp: direction === "egress" ? tunnel.name : "",
            edgeColoCode: colo,
          },
          metrics: { count: 1, packets, bits: packets * random.int(400, 1_400) * 8 },
        };
      }),
    ),
  );
}

export function tunnelSloCells(seed: string, account: Account, minuteStart: number): Cell[] {
  return account.tunnels.map((tunnel) => {
    const random = new Random(seed, "tunnel-slo", account.id, tunnel.name, minuteStart);
    const roll = random.next();
    const status = roll < 0.85 ? "healthy" : roll < 0.95 ? "degraded" : "down";
    const checks = random.int(10, 30);
    const effective = status === "healthy" ? 0.999 : status === "degraded" ? 0.97 : 0.9;
    return {
      time: minuteStart + random.int(0, 59),
      minute: minuteStart,
      attrs: {
        tunnelName: tunnel.name,
        siteName: tunnel.siteName,
        status,
        alertType: "",
        policyId: "",
        tunnelId: "",
      },
      metrics: { count: checks, effectiveSlo: checks * effective, slo: checks * 0.99 },
    };
  });
}

export function magicFirewallCells(seed: string, account: Account, minuteStart: number): Cell[] {
  if (!account.magicTransit) return [];
  const random = new Random(seed, "magic-firewall", account.id, minuteStart);
  return ["allow-office", "block-telnet", "block-ntp-amp"].flatMap((rule) =>
    Array.from({ length: random.int(1, 4) }, () => {
      const packets = random.int(100, 5_000);
      return {
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: { ruleId: rule },
        metrics: { count: 1, packets, bits: packets * random.int(500, 1_500) * 8 },
      };
    }),
  );
}

const attackVectors = ["", "SYN Flood", "UDP Flood", "DNS Amplification"] as const;

export function dosdCells(seed: string, account: Account, minuteStart: number): Cell[] {
  if (!account.magicTransit) return [];
  const random = new Random(seed, "dosd", account.id, minuteStart);
  return Array.from({ length: 12 }, () => {
    const attackVector = random.pick(attackVectors);
    const packets = random.int(1_000, 200_000);
    return {
      time: minuteStart + random.int(0, 59),
      minute: minuteStart,
      attrs: {
        outcome: attackVector === "" ? "pass" : "drop",
        direction: random.pick(["ingress", "egress"] as const),
        ipProtocolName: random.pick(["TCP", "UDP", "ICMP"] as const),
        attackVector,
        coloCode: random.pick(["IAD", "FRA", "SIN"] as const),
      },
      metrics: { count: 1, packets, bits: Math.round((packets * mbit) / 1_000) },
    };
  });
}
