import { z } from "zod";
import type { PlanId, WorldSpec } from "./world.ts";

/**
 * A larger world for `npm start` and the scale benchmark: `accounts` accounts sharing
 * `zones` zones, plans mixed (Business, Pro, Free, Enterprise in turn), one user token.
 */
const plans: PlanId[] = ["business", "pro", "free", "enterprise"];

export function scaleWorld(accounts: number, zones: number): WorldSpec {
  const perAccount = Math.ceil(zones / accounts);
  return {
    seed: `scale-${accounts}x${zones}`,
    accounts: Array.from({ length: accounts }, (_, a) => ({
      name: `Estate ${a}`,
      zones: Array.from({ length: Math.max(0, Math.min(perAccount, zones - a * perAccount)) }, (_, z) => ({
        name: `z${z}.estate${a}.example`,
        plan: plans[z % plans.length] ?? "pro",
      })),
    })),
    tokens: [{ value: "sim-token" }],
  };
}

const scaleEnvironment = z.object({
  SIMULATOR_ZONES: z.coerce.number().int().min(1).max(10_000).optional(),
  SIMULATOR_ACCOUNTS: z.coerce.number().int().min(1).max(100).default(1),
});

/** SIMULATOR_ZONES (and SIMULATOR_ACCOUNTS, default 1) select a scale world; unset, the default world. */
export function worldFromEnvironment(env: Record<string, string | undefined>): WorldSpec | undefined {
  const parsed = scaleEnvironment.safeParse(env);
  if (!parsed.success) throw new Error(`invalid simulator world: ${z.prettifyError(parsed.error)}`);
  const { SIMULATOR_ZONES: zones, SIMULATOR_ACCOUNTS: accounts } = parsed.data;
  if (zones === undefined) return undefined;
  if (accounts > zones) throw new Error("SIMULATOR_ACCOUNTS must not exceed SIMULATOR_ZONES");
  return scaleWorld(accounts, zones);
}
