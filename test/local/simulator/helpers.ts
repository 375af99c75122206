import type { Simulator } from "../../../local/simulator/server.ts";

/** 2026-11-20 12:00:00 UTC: a fixed "now" for virtual-clock tests. */
export const noon = Date.UTC(2026, 10, 20, 12, 0, 0);

export const iso = (unixSeconds: number): string =>
  new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");

export interface GraphqlAnswer {
  status: number;
  body: {
    data: Record<string, unknown> | null;
    errors:
      | { message: string; path: string[] | null; extensions: { code?: string; timestamp: string } }[]
      | null;
  };
}

export async function graphql(
  simulator: Simulator,
  query: string,
  variables: Record<string, unknown> = {},
  token = "sim-token",
): Promise<GraphqlAnswer> {
  const response = await fetch(`${simulator.baseUrl}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlAnswer["body"] };
}

export function zoneByName(simulator: Simulator, name: string) {
  const zone = simulator.world.zones.find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name}`);
  return zone;
}

/** Reads `data.viewer.zones[0].<field>` (or `accounts`), failing loudly when it is absent. */
export function rows<T>(
  answer: GraphqlAnswer,
  field: string,
  scope: "zones" | "accounts" = "zones",
  index = 0,
): T[] {
  const viewer = answer.body.data?.viewer as Record<string, Record<string, unknown>[]> | undefined;
  const value = viewer?.[scope]?.[index]?.[field];
  if (!Array.isArray(value)) throw new Error(`no ${field} in ${JSON.stringify(answer.body).slice(0, 500)}`);
  return value as T[];
}

/** `data.viewer` of a successful answer, typed by the caller. */
export function viewerOf<T>(answer: GraphqlAnswer): T {
  const viewer = answer.body.data?.viewer;
  if (!viewer) throw new Error(`no data in ${JSON.stringify(answer.body).slice(0, 500)}`);
  return viewer as T;
}
