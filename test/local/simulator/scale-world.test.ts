import { describe, expect, it } from "vitest";
import { worldFromEnvironment } from "../../../local/simulator/scale-world.ts";
import { buildWorld } from "../../../local/simulator/world.ts";

describe("SIMULATOR_ZONES and SIMULATOR_ACCOUNTS", () => {
  it("build a world of that many zones over that many accounts, plans mixed", () => {
    const spec = worldFromEnvironment({ SIMULATOR_ZONES: "1000", SIMULATOR_ACCOUNTS: "10" });
    if (!spec) throw new Error("no world");
    const world = buildWorld(spec);
    expect(world.accounts).toHaveLength(10);
    expect(world.zones).toHaveLength(1000);
    expect(
      Object.fromEntries(
        Object.entries(Object.groupBy(world.zones, (z) => z.plan)).map(([p, z]) => [p, z?.length]),
      ),
    ).toEqual({ business: 250, pro: 250, free: 250, enterprise: 250 });
  });

  it("leave the default world when unset, and refuse nonsense clearly", () => {
    expect(worldFromEnvironment({})).toBeUndefined();
    expect(() => worldFromEnvironment({ SIMULATOR_ZONES: "many" })).toThrow(/SIMULATOR_ZONES/);
    expect(() => worldFromEnvironment({ SIMULATOR_ZONES: "3", SIMULATOR_ACCOUNTS: "5" })).toThrow(
      /must not exceed/,
    );
  });
});
