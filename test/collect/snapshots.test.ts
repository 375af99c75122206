import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnapshotContext, SnapshotGroup } from "../../lambda/catalogue/snapshot-group.ts";
import { snapshotGroups } from "../../lambda/catalogue/snapshots/index.ts";
import { lbWeights } from "../../lambda/catalogue/snapshots/lb-weights.ts";
import { sslCertificates } from "../../lambda/catalogue/snapshots/ssl-certificates.ts";
import { CloudflareApiError } from "../../lambda/cloudflare/errors.ts";
import { VirtualClock } from "../../local/simulator/clock.ts";
import { type Simulator, startSimulator } from "../../local/simulator/server.ts";
import type {
  Account,
  Certificate,
  CertificatePack,
  Pool,
  WorldSpec,
  Zone,
} from "../../local/simulator/world.ts";
import { bySeries, type RecordingRestClient, restClient, unixSeconds } from "./rest-helpers.ts";

/** The REST-backed snapshot groups, read from the simulator over HTTP. */

const expiry = "cloudflare_zone_certificate_expiry_timestamp_seconds";
const deprecated = "cloudflare_zone_certificate_validation_status";
const weight = "cloudflare_zone_lb_origin_weight";

const spec: WorldSpec = {
  seed: "snapshot-groups",
  accounts: [
    {
      name: "Snapshots",
      type: "enterprise",
      zones: [
        // A load balancer that also steers by region, country and PoP.
        { name: "steered.example", plan: "enterprise", lbSteering: true },
        // A plain load balancer in the same account; the test adds a second one.
        { name: "plain.example", plan: "business" },
        { name: "nolb.example", plan: "pro" },
        // The test adds 60 certificate packs: two pages.
        { name: "many-certs.example", plan: "free" },
      ],
    },
  ],
  tokens: [{ value: "sim-token" }],
};

let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator({
    world: spec,
    clock: new VirtualClock(Date.parse("2026-03-10T12:00:00Z")),
  });
});
afterAll(async () => {
  await simulator.close();
});

function zoneNamed(name: string): Zone {
  const zone = simulator.world.zones.find((z) => z.name === name);
  if (!zone) throw new Error(`no zone ${name}`);
  return zone;
}

function account(): Account {
  const [first] = simulator.world.accounts;
  if (!first) throw new Error("no account");
  return first;
}

function poolNamed(name: string): Pool {
  const pool = account().pools.find((p) => p.name === name);
  if (!pool) throw new Error(`no pool ${name}`);
  return pool;
}

function context(client: RecordingRestClient, zone: Zone): SnapshotContext {
  return { rest: client.rest, accountId: zone.accountId, zone: { id: zone.id, name: zone.name } };
}

function fetchGroup(group: SnapshotGroup, zone: Zone, client = restClient(simulator)) {
  return group.fetch(context(client, zone));
}

/** Unpacks a list of exactly `n` items, failing loudly (noUncheckedIndexedAccess). */
function exactly<T>(items: readonly T[], n: number): T[] {
  expect(items).toHaveLength(n);
  return items.filter((item): item is NonNullable<T> => item !== undefined);
}

describe("the registry", () => {
  it("lists the certificate, load-balancer and tunnel groups, each with its families", () => {
    expect(
      snapshotGroups.map((group) => [group.name, group.scope, group.families.map((f) => f.name)]),
    ).toEqual([
      ["ssl-certificates", "zone", [expiry, deprecated]],
      ["lb-weights", "zone", [weight]],
      ["cloudflare-tunnels", "account", ["cloudflare_tunnel_status", "cloudflare_tunnel_connections"]],
    ]);
    expect(sslCertificates.families.map((f) => [f.type, f.labels])).toEqual([
      ["gauge", ["type", "issuer", "status", "certificate_id"]],
      ["gauge", ["type", "issuer", "status"]],
    ]);
    expect(sslCertificates.families[1]?.help).toMatch(
      /^Deprecated name of cloudflare_zone_certificate_expiry_timestamp_seconds/,
    );
    expect(lbWeights.families.map((f) => [f.type, f.labels])).toEqual([
      ["gauge", ["lb_name", "pool_name", "origin_name"]],
    ]);
  });
});

describe("ssl-certificates", () => {
  const pendingPack = (zone: Zone): CertificatePack => ({
    id: "pending-pack",
    type: "advanced",
    status: "pending_validation",
    hosts: [zone.name, `shop.${zone.name}`],
    certificateAuthority: "ssl_com",
    certificates: [
      // Not issued yet: no issuer, status or expiry.
      { id: "cert-not-issued", hosts: [zone.name], uploadedOn: "2026-03-01T00:00:00Z" },
      // Issued, but without issuer and status of its own.
      {
        id: "cert-without-issuer",
        hosts: [`shop.${zone.name}`],
        expiresOn: "2026-06-01T00:00:00Z",
        uploadedOn: "2026-03-01T00:00:00Z",
      },
    ],
  });

  // Expiries that fall as the index rises, so the soonest is the last pack: on page 2.
  const bulkPack = (i: number): CertificatePack => {
    const certificate: Certificate = {
      id: `bulk-cert-${i}`,
      hosts: [`h${i}.many-certs.example`],
      issuer: "LetsEncrypt",
      status: "active",
      expiresOn: new Date(Date.UTC(2027, 5, 1) - i * 86_400_000).toISOString(),
      uploadedOn: "2026-03-01T00:00:00Z",
    };
    return {
      id: `bulk-pack-${i}`,
      type: "sni_custom",
      status: "active",
      hosts: certificate.hosts,
      certificateAuthority: "lets_encrypt",
      certificates: [certificate],
    };
  };

  beforeAll(() => {
    const plain = zoneNamed("plain.example");
    plain.certificatePacks.push(pendingPack(plain));
    zoneNamed("many-certs.example").certificatePacks.push(
      ...Array.from({ length: 60 }, (_, i) => bulkPack(i)),
    );
  });

  it("exports each certificate's expiry, and the soonest expiry per label set under the old name", async () => {
    const zone = zoneNamed("steered.example");
    const [universal, advanced] = exactly(zone.certificatePacks, 2);
    const [ecdsa, rsa] = exactly(universal?.certificates ?? [], 2);
    const [lets] = exactly(advanced?.certificates ?? [], 1);
    if (!ecdsa || !rsa || !lets) throw new Error("unexpected world");
    // Two certificates with the same labels and different expiries: the reference's max hides the soonest.
    expect(unixSeconds(ecdsa.expiresOn)).not.toBe(unixSeconds(rsa.expiresOn));
    const google = { type: "universal", issuer: "GoogleTrustServices", status: "active" };

    const client = restClient(simulator);
    const samples = await fetchGroup(sslCertificates, zone, client);

    expect(bySeries(samples)).toEqual(
      bySeries([
        {
          family: expiry,
          labels: { ...google, certificate_id: ecdsa.id },
          value: unixSeconds(ecdsa.expiresOn),
        },
        { family: expiry, labels: { ...google, certificate_id: rsa.id }, value: unixSeconds(rsa.expiresOn) },
        {
          family: expiry,
          labels: { type: "advanced", issuer: "LetsEncrypt", status: "active", certificate_id: lets.id },
          value: unixSeconds(lets.expiresOn),
        },
        {
          family: deprecated,
          labels: google,
          value: Math.min(unixSeconds(ecdsa.expiresOn), unixSeconds(rsa.expiresOn)),
        },
        {
          family: deprecated,
          labels: { type: "advanced", issuer: "LetsEncrypt", status: "active" },
          value: unixSeconds(lets.expiresOn),
        },
      ]),
    );
    expect(client.requests).toEqual([
      `/zones/${zone.id}/ssl/certificate_packs?status=all&page=1&per_page=50`,
    ]);
  });

  it("reads packs of every status, falls back to the pack's status and authority, and skips certificates without expiry", async () => {
    const zone = zoneNamed("plain.example");
    const [universal, advanced, pending] = exactly(zone.certificatePacks, 3);
    expect(pending?.status).toBe("pending_validation");
    const issued = pending?.certificates[1];
    if (!universal || !advanced || !issued) throw new Error("unexpected world");

    const samples = await fetchGroup(sslCertificates, zone);
    const ofPending = samples.filter((s) => s.labels.type === "advanced" && s.labels.status !== "active");
    expect(bySeries(ofPending)).toEqual(
      bySeries([
        {
          family: expiry,
          labels: {
            type: "advanced",
            issuer: "ssl_com",
            status: "pending_validation",
            certificate_id: "cert-without-issuer",
          },
          value: unixSeconds(issued.expiresOn),
        },
        // The old name keeps the reference's labels: no fallback to the pack's authority.
        {
          family: deprecated,
          labels: { type: "advanced", issuer: "unknown", status: "pending_validation" },
          value: unixSeconds(issued.expiresOn),
        },
      ]),
    );
    // Every issued certificate of the zone has its series; the one not issued has none.
    const ids = samples.filter((s) => s.family === expiry).map((s) => s.labels.certificate_id);
    expect(ids.sort()).toEqual(
      [...universal.certificates, ...advanced.certificates, issued].map((c) => c.id).sort(),
    );
  });

  it("reads every page of a zone with more packs than one page holds", async () => {
    const zone = zoneNamed("many-certs.example");
    const certificates = zone.certificatePacks.flatMap((pack) => pack.certificates);
    expect(zone.certificatePacks).toHaveLength(61);
    expect(certificates).toHaveLength(62);

    const client = restClient(simulator);
    const samples = await fetchGroup(sslCertificates, zone, client);

    expect(client.requests).toEqual([
      `/zones/${zone.id}/ssl/certificate_packs?status=all&page=1&per_page=50`,
      `/zones/${zone.id}/ssl/certificate_packs?status=all&page=2&per_page=50`,
    ]);
    const current = samples.filter((s) => s.family === expiry);
    expect(current.map((s) => [s.labels.certificate_id, s.value]).sort()).toEqual(
      certificates.map((c) => [c.id, unixSeconds(c.expiresOn)]).sort(),
    );
    // The soonest of the 60 custom certificates is on page 2.
    const bulk = certificates.filter((c) => c.id.startsWith("bulk-cert-"));
    const soonest = Math.min(...bulk.map((c) => unixSeconds(c.expiresOn)));
    expect(soonest).toBe(unixSeconds(zone.certificatePacks.at(-1)?.certificates[0]?.expiresOn));
    expect(samples.filter((s) => s.family === deprecated && s.labels.type === "sni_custom")).toEqual([
      {
        family: deprecated,
        labels: { type: "sni_custom", issuer: "LetsEncrypt", status: "active" },
        value: soonest,
      },
    ]);
  });

  it("fails with a CloudflareApiError naming the endpoint on an answer that is not JSON", async () => {
    const zone = zoneNamed("steered.example");
    const client = restClient(simulator, {
      fetch: async () => new Response("<html>502 Bad gateway</html>", { status: 200 }),
    });
    const failure = fetchGroup(sslCertificates, zone, client);
    await expect(failure).rejects.toBeInstanceOf(CloudflareApiError);
    await expect(failure).rejects.toMatchObject({
      kind: "transient",
      message: `GET /zones/${zone.id}/ssl/certificate_packs: HTTP 200, an HTML page instead of JSON; a failure on Cloudflare's side: retried, and what stays uncounted is counted by a later run`,
    });
    // Transient, so retried once (maxAttempts 2) before giving up.
    expect(client.requests).toHaveLength(2);
  });

  it("fails with a CloudflareApiError naming the endpoint and the field on a malformed certificate", async () => {
    const zone = zoneNamed("steered.example");
    const client = restClient(simulator, {
      fetch: async (input, init) => {
        const body = (await (await fetch(input, init)).json()) as {
          result: { certificates: { expires_on: string }[] }[];
        };
        const certificate = body.result[0]?.certificates[0];
        if (certificate) certificate.expires_on = "soon";
        return Response.json(body);
      },
    });
    const error = await fetchGroup(sslCertificates, zone, client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).kind).toBe("transient");
    expect((error as CloudflareApiError).message).toContain(
      `malformed result from /zones/${zone.id}/ssl/certificate_packs`,
    );
    expect((error as CloudflareApiError).message).toContain('not a timestamp: "soon"');
    expect((error as CloudflareApiError).message).toContain("expires_on");
  });
});

describe("lb-weights", () => {
  beforeAll(() => {
    // A second load balancer on plain.example over the same pools, plus a pool that no longer exists.
    const plain = zoneNamed("plain.example");
    const primary = poolNamed("plain.example-primary");
    const secondary = poolNamed("plain.example-secondary");
    plain.loadBalancers.push({
      id: "second-lb",
      name: "lb2.plain.example",
      steeringPolicy: "off",
      defaultPoolIds: [secondary.id],
      fallbackPoolId: primary.id,
      regionPoolIds: {},
      countryPoolIds: { US: ["ffffffffffffffffffffffffffffffff", secondary.id] },
      popPoolIds: {},
    });
  });

  const samplesOf = (lbName: string, pool: Pool) =>
    pool.origins
      .filter((origin) => origin.enabled)
      .map((origin) => ({
        family: weight,
        labels: { lb_name: lbName, pool_name: pool.name, origin_name: origin.name },
        value: origin.weight,
      }));

  it("reads the origins of every pool a load balancer names, once each, with one pools call", async () => {
    const zone = zoneNamed("steered.example");
    const [lb] = exactly(zone.loadBalancers, 1);
    const primary = poolNamed("steered.example-primary");
    const secondary = poolNamed("steered.example-secondary");
    const eu = poolNamed("steered.example-eu");
    // The world names pools more than once: secondary as default and fallback, primary as
    // default and for a region, and eu only in the region, country and PoP maps.
    expect(lb?.defaultPoolIds).toEqual([primary.id, secondary.id]);
    expect(lb?.fallbackPoolId).toBe(secondary.id);
    expect(lb?.regionPoolIds).toEqual({ WEU: [eu.id, primary.id], EEU: [eu.id] });
    expect(lb?.countryPoolIds).toEqual({ DE: [eu.id] });
    expect(lb?.popPoolIds).toEqual({ FRA: [eu.id] });
    // eu's second origin is disabled; the account holds other zones' pools too.
    expect(eu.origins.map((o) => o.enabled)).toEqual([true, false]);
    expect(account().pools.map((p) => p.name)).toEqual([
      "steered.example-primary",
      "steered.example-secondary",
      "steered.example-eu",
      "plain.example-primary",
      "plain.example-secondary",
    ]);

    const client = restClient(simulator);
    const samples = await fetchGroup(lbWeights, zone, client);

    const name = "lb.steered.example";
    expect(bySeries(samples)).toEqual(
      bySeries([...samplesOf(name, primary), ...samplesOf(name, secondary), ...samplesOf(name, eu)]),
    );
    expect(samples).toHaveLength(5);
    expect(samples.map((s) => s.labels.origin_name)).not.toContain("steered.example-eu-origin-2");
    expect(samples.map((s) => s.value).sort()).toEqual([0.3, 0.3, 0.7, 0.7, 0.7]);
    expect(client.requests).toEqual([
      `/zones/${zone.id}/load_balancers?page=1&per_page=50`,
      `/accounts/${zone.accountId}/load_balancers/pools?page=1&per_page=50`,
    ]);
  });

  it("gives each load balancer its samples from one pools call, and skips a pool that does not exist", async () => {
    const zone = zoneNamed("plain.example");
    const primary = poolNamed("plain.example-primary");
    const secondary = poolNamed("plain.example-secondary");

    const client = restClient(simulator);
    const samples = await fetchGroup(lbWeights, zone, client);

    expect(bySeries(samples)).toEqual(
      bySeries([
        ...samplesOf("lb.plain.example", primary),
        ...samplesOf("lb.plain.example", secondary),
        ...samplesOf("lb2.plain.example", secondary),
        ...samplesOf("lb2.plain.example", primary),
      ]),
    );
    expect(samples).toHaveLength(8);
    expect(client.requests).toEqual([
      `/zones/${zone.id}/load_balancers?page=1&per_page=50`,
      `/accounts/${zone.accountId}/load_balancers/pools?page=1&per_page=50`,
    ]);
  });

  it("gives no samples and makes no pools call for a zone without load balancers", async () => {
    const zone = zoneNamed("nolb.example");
    expect(zone.loadBalancers).toEqual([]);
    const client = restClient(simulator);
    expect(await fetchGroup(lbWeights, zone, client)).toEqual([]);
    expect(client.requests).toEqual([`/zones/${zone.id}/load_balancers?page=1&per_page=50`]);
  });

  it("fails with a CloudflareApiError naming the pools endpoint on a malformed origin", async () => {
    const zone = zoneNamed("steered.example");
    const client = restClient(simulator, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).includes("/load_balancers/pools")) return response;
        const body = (await response.json()) as { result: { origins: { weight: unknown }[] }[] };
        const origin = body.result[0]?.origins[0];
        if (origin) origin.weight = "heavy";
        return Response.json(body);
      },
    });
    const error = await fetchGroup(lbWeights, zone, client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudflareApiError);
    expect((error as CloudflareApiError).message).toContain(
      `malformed result from /accounts/${zone.accountId}/load_balancers/pools`,
    );
    expect((error as CloudflareApiError).message).toContain("weight");
  });
});
