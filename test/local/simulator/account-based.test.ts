import { afterEach, describe, expect, it } from "vitest";
import { zoneListNotSupportedMessage } from "../../../local/simulator/account-budget.ts";
import { countQueries } from "../../../local/simulator/ceiling.ts";
import { VirtualClock } from "../../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../../local/simulator/server.ts";
import { type GraphqlAnswer, iso, noon, viewerOf, zoneByName } from "./helpers.ts";

/**
 * Account-based rate limiting (`X-Rate-Limit-Type: account-based`): a budget per account
 * and per zone instead of per token, zone lists only nested in an account, errors with
 * `extensions.code: "budget"` as in the default mode.
 */
const window = `filter: { datetime_geq: $from, datetime_lt: $to }`;
const nested = `query N($account: string!, $zones: [string!], $from: Time!, $to: Time!) { viewer {
  accounts(filter: { accountTag: $account }) { zones(filter: { zoneTag_in: $zones }) {
    zoneTag httpRequests1mGroups(limit: 10, ${window}) { sum { requests } } } } } }`;
const flat = `query F($zones: [string!], $from: Time!, $to: Time!) { viewer { zones(filter: { zoneTag_in: $zones }) {
  zoneTag httpRequests1mGroups(limit: 10, ${window}) { sum { requests } } } } }`;
const oneZone = `query Z($zone: string!, $from: Time!, $to: Time!) { viewer { zones(filter: { zoneTag: $zone }) {
  zoneTag httpRequests1mGroups(limit: 10, ${window}) { sum { requests } } } } }`;

describe("the simulator's account-based rate limiting", () => {
  let simulator: Simulator | undefined;
  afterEach(() => simulator?.close());

  const start = (budget = { account: 3, zone: 2, windowSeconds: 300 }) =>
    startSimulator({
      clock: new VirtualClock(noon),
      accountBasedBudget: budget,
      graphqlBudget: { limit: 2, windowSeconds: 300 },
      budgetStatus: "429",
    });

  const ask = async (query: string, variables: Record<string, unknown>, accountBased: boolean) => {
    if (!simulator) throw new Error("no simulator");
    const response = await fetch(`${simulator.baseUrl}/graphql`, {
      method: "POST",
      headers: {
        authorization: "Bearer sim-token",
        "content-type": "application/json",
        ...(accountBased ? { "X-Rate-Limit-Type": "account-based" } : {}),
      },
      body: JSON.stringify({
        query,
        variables: { from: iso(noon / 1000 - 3_600), to: iso(noon / 1000 - 3_000), ...variables },
      }),
    });
    return { status: response.status, body: (await response.json()) as GraphqlAnswer["body"] };
  };
  const ids = (...names: string[]) => names.map((name) => (simulator ? zoneByName(simulator, name).id : ""));
  const accountOf = (name: string) => simulator?.world.accounts.find((a) => a.name === name)?.id ?? "";

  it("answers zones nested in their account alike in both modes, and refuses a zone list at the viewer level with the header", async () => {
    simulator = await start();
    const variables = { account: accountOf("Example Corp"), zones: ids("example.com", "example-shop.com") };
    const inAccount = await ask(nested, variables, true);
    const byDefault = await ask(nested, variables, false);
    const atViewer = await ask(flat, { zones: variables.zones }, false);
    type Nested = { accounts: { zones: unknown[] }[] };
    expect(inAccount.status).toBe(200);
    expect(viewerOf<Nested>(inAccount).accounts[0]?.zones).toHaveLength(2);
    expect(viewerOf<Nested>(byDefault)).toEqual(viewerOf<Nested>(inAccount));
    expect(viewerOf<{ zones: unknown[] }>(atViewer).zones).toEqual(
      viewerOf<Nested>(inAccount).accounts[0]?.zones,
    );
    const refused = await ask(flat, { zones: variables.zones }, true);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.map((e) => e.message)).toEqual([zoneListNotSupportedMessage]);
    // A zone of another account is not in this account's list.
    const other = await ask(nested, { ...variables, zones: ids("sideproject.dev") }, true);
    expect([other.status, other.body.errors?.[0]?.extensions.code]).toEqual([403, "authz"]);
    // Nested zones count toward the per-request ceiling like zones at the viewer level.
    expect(countQueries(nested, variables).queries).toBe(countQueries(flat, variables).queries);
  });

  it("gives each account and each zone its own budget, and answers `budget` past it", async () => {
    simulator = await start();
    const corp = { account: accountOf("Example Corp"), zones: ids("example.com") };
    const side = { account: accountOf("Side Project"), zones: ids("sideproject.dev") };
    const statuses = async (query: string, variables: Record<string, unknown>, n: number, header = true) => {
      const out: (number | string)[] = [];
      for (let i = 0; i < n; i++) {
        const answer = await ask(query, variables, header);
        out.push(
          answer.status === 200 ? 200 : `${answer.status} ${answer.body.errors?.[0]?.extensions.code}`,
        );
      }
      return out;
    };
    // Three per account (nested zones count against their account), whatever the token's own budget (two).
    expect(await statuses(nested, corp, 4)).toEqual([200, 200, 200, "429 budget"]);
    expect(await statuses(nested, side, 4)).toEqual([200, 200, 200, "429 budget"]);
    // A single zone at the viewer level counts against that zone: two each.
    expect(await statuses(oneZone, { zone: ids("example-shop.com")[0] }, 3)).toEqual([
      200,
      200,
      "429 budget",
    ]);
    expect(await statuses(oneZone, { zone: ids("example-blog.net")[0] }, 1)).toEqual([200]);
    // Without the header, the token's budget: untouched by all of the above.
    expect(await statuses(nested, corp, 3, false)).toEqual([200, 200, "429 budget"]);
    expect(simulator.ceiling.budgetAnswers).toBe(4);
    expect(Object.fromEntries(simulator.accountBased.admitted)).toEqual({
      [`account:${corp.account}`]: 3,
      [`account:${side.account}`]: 3,
      [`zone:${ids("example-shop.com")[0]}`]: 2,
      [`zone:${ids("example-blog.net")[0]}`]: 1,
    });
    // The window slides: five minutes later each account has its budget again.
    if (simulator.clock instanceof VirtualClock) simulator.clock.advance(300_000);
    expect(await statuses(nested, corp, 1)).toEqual([200]);
  });
});
