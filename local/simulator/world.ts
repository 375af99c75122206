import { z } from "zod";
import { hexId, Random } from "./random.ts";

/**
 * The simulated Cloudflare estate: accounts, zones, tokens and the configuration objects
 * (load balancers, health checks, Workers scripts, Logpush jobs, tunnels, firewall rules,
 * certificates) that the traffic model and the REST API describe. IDs are derived from
 * the seed and names, so a world is fully reproducible from its spec.
 */

export const planIds = ["free", "pro", "business", "enterprise"] as const;
export type PlanId = (typeof planIds)[number];

const zoneSpecSchema = z.object({
  name: z.string().min(1),
  plan: z.enum(planIds),
  /** Requests per minute at the daily peak; the model adds a diurnal curve and noise. */
  requestsPerMinute: z.number().int().positive().optional(),
  loadBalancing: z.boolean().optional(),
  /**
   * The load balancer also steers by region, country and PoP to a third pool
   * `<zone>-eu` (whose second origin is disabled), and lists the primary pool under a region too.
   */
  lbSteering: z.boolean().optional(),
  logpush: z.boolean().optional(),
  /**
   * The Bot Management add-on (bot score fields): Enterprise zones have it unless this is
   * false; zones on other plans never do.
   */
  botManagement: z.boolean().optional(),
});

const accountSpecSchema = z.object({
  name: z.string().min(1),
  type: z.enum(["standard", "enterprise"]).default("standard"),
  magicTransit: z.boolean().default(false),
  workers: z.array(z.string().min(1)).default([]),
  logpush: z.boolean().default(false),
  /** R2 bucket names. */
  r2Buckets: z.array(z.string().min(1)).default([]),
  /** Cloudflare Stream (a paid product). */
  stream: z.boolean().default(false),
  zones: z.array(zoneSpecSchema).default([]),
});

const tokenSpecSchema = z.object({
  value: z.string().min(1),
  /** `user` tokens may list accounts; `account` tokens are owned by one account and cannot. */
  kind: z.enum(["user", "account"]).default("user"),
  /** Account names the token can read; omitted means every account. */
  accounts: z.array(z.string()).optional(),
  status: z.enum(["active", "disabled", "expired"]).default("active"),
});

export const worldSpecSchema = z.object({
  seed: z.string().default("cloudflare-simulator"),
  accounts: z.array(accountSpecSchema).min(1),
  tokens: z.array(tokenSpecSchema).min(1),
});
export type WorldSpec = z.input<typeof worldSpecSchema>;

export interface Origin {
  name: string;
  address: string;
  ip: string;
  weight: number;
  enabled: boolean;
}
export interface Pool {
  id: string;
  name: string;
  accountId: string;
  monitorId: string;
  origins: Origin[];
}
export interface LoadBalancer {
  id: string;
  name: string;
  steeringPolicy: string;
  defaultPoolIds: string[];
  fallbackPoolId: string;
  /** Region code (`WEU`), country code (`DE`) or PoP (`FRA`) → pool IDs, in order. */
  regionPoolIds: Record<string, string[]>;
  countryPoolIds: Record<string, string[]>;
  popPoolIds: Record<string, string[]>;
}
export interface FirewallRule {
  id: string;
  rulesetId: string;
  description: string;
  source: string;
}
export interface Certificate {
  id: string;
  hosts: string[];
  /** Cloudflare omits these while a certificate is not issued yet. */
  issuer?: string;
  status?: string;
  expiresOn?: string;
  uploadedOn: string;
}
export interface CertificatePack {
  id: string;
  type: string;
  status: string;
  hosts: string[];
  certificateAuthority: string;
  certificates: Certificate[];
}
export interface LogpushJob {
  id: number;
  name: string;
  dataset: string;
  destinationType: string;
}
export interface Tunnel {
  name: string;
  siteName: string;
  remoteIPv4: string;
}
/** A Cloudflare Tunnel (cloudflared) and its connectors' connections (the REST tunnels API). */
export interface CloudflaredTunnel {
  id: string;
  name: string;
  status: "healthy" | "degraded" | "down" | "inactive";
  deleted: boolean;
  connections: { coloName: string; pendingReconnect: boolean }[];
}

/** A Cloudflare for SaaS custom hostname and its certificate (the REST custom hostnames API). */
export interface CustomHostname {
  id: string;
  hostname: string;
  status: string;
  sslStatus: string;
  /** Absent until a certificate is issued. */
  sslExpiresOn?: string;
}

export interface Zone {
  id: string;
  name: string;
  plan: PlanId;
  /** Whether Cloudflare answers the zone's bot score fields. */
  botManagement: boolean;
  accountId: string;
  accountName: string;
  createdOn: string;
  hosts: string[];
  requestsPerMinute: number;
  loadBalancers: LoadBalancer[];
  firewallRules: FirewallRule[];
  certificatePacks: CertificatePack[];
  customHostnames: CustomHostname[];
  logpushJobs: LogpushJob[];
}

export interface Account {
  id: string;
  name: string;
  type: "standard" | "enterprise";
  magicTransit: boolean;
  workerScripts: string[];
  pools: Pool[];
  logpushJobs: LogpushJob[];
  tunnels: Tunnel[];
  r2Buckets: string[];
  stream: boolean;
  cloudflaredTunnels: CloudflaredTunnel[];
}

export interface Token {
  id: string;
  value: string;
  kind: "user" | "account";
  /** IDs of the accounts the token can read. */
  accountIds: string[];
  status: "active" | "disabled" | "expired";
}

export interface World {
  seed: string;
  accounts: Account[];
  zones: Zone[];
  tokens: Token[];
}

const peakRequestsPerMinute: Record<PlanId, number> = {
  free: 150,
  pro: 900,
  business: 3_000,
  enterprise: 12_000,
};

const created = "2024-03-01T09:00:00Z";

export function buildWorld(input: WorldSpec): World {
  const spec = worldSpecSchema.parse(input);
  const seed = spec.seed;
  const accounts: Account[] = [];
  const zones: Zone[] = [];
  let jobId = 1000;

  for (const accountSpec of spec.accounts) {
    const accountId = hexId(seed, "account", accountSpec.name);
    const pools: Pool[] = [];
    const account: Account = {
      id: accountId,
      name: accountSpec.name,
      type: accountSpec.type,
      magicTransit: accountSpec.magicTransit,
      workerScripts: accountSpec.workers,
      r2Buckets: accountSpec.r2Buckets,
      stream: accountSpec.stream,
      cloudflaredTunnels: makeCloudflaredTunnels(seed, accountSpec.name, accountSpec.workers.length > 1),
      pools,
      logpushJobs: accountSpec.logpush
        ? [{ id: jobId++, name: "audit-logs", dataset: "audit_logs", destinationType: "r2" }]
        : [],
      tunnels: accountSpec.magicTransit
        ? [
            { name: "gre-primary", siteName: "dc-east", remoteIPv4: "203.0.113.10" },
            { name: "gre-backup", siteName: "dc-east", remoteIPv4: "203.0.113.11" },
            { name: "gre-west", siteName: "dc-west", remoteIPv4: "198.51.100.20" },
          ]
        : [],
    };
    accounts.push(account);

    for (const zoneSpec of accountSpec.zones) {
      const zoneId = hexId(seed, "zone", zoneSpec.name);
      const paid = zoneSpec.plan === "business" || zoneSpec.plan === "enterprise";
      const loadBalancers: LoadBalancer[] = [];
      if (zoneSpec.loadBalancing ?? paid) {
        const zonePools = ["primary", "secondary"].map((role, index) =>
          makePool(seed, accountId, `${zoneSpec.name}-${role}`, index),
        );
        pools.push(...zonePools);
        const [primary, secondary] = zonePools;
        const eu = zoneSpec.lbSteering ? makePool(seed, accountId, `${zoneSpec.name}-eu`, 2) : undefined;
        if (eu) {
          for (const origin of eu.origins.slice(1)) origin.enabled = false;
          pools.push(eu);
        }
        if (primary && secondary) {
          loadBalancers.push({
            id: hexId(seed, "lb", zoneSpec.name),
            name: `lb.${zoneSpec.name}`,
            steeringPolicy: "dynamic_latency",
            defaultPoolIds: [primary.id, secondary.id],
            fallbackPoolId: secondary.id,
            regionPoolIds: eu ? { WEU: [eu.id, primary.id], EEU: [eu.id] } : {},
            countryPoolIds: eu ? { DE: [eu.id] } : {},
            popPoolIds: eu ? { FRA: [eu.id] } : {},
          });
        }
      }
      zones.push({
        id: zoneId,
        name: zoneSpec.name,
        plan: zoneSpec.plan,
        botManagement: zoneSpec.plan === "enterprise" && zoneSpec.botManagement !== false,
        accountId,
        accountName: accountSpec.name,
        createdOn: created,
        hosts: [
          zoneSpec.name,
          `www.${zoneSpec.name}`,
          `api.${zoneSpec.name}`,
          ...loadBalancers.map((lb) => lb.name),
        ],
        requestsPerMinute: zoneSpec.requestsPerMinute ?? peakRequestsPerMinute[zoneSpec.plan],
        loadBalancers,
        firewallRules: makeFirewallRules(seed, zoneSpec.name),
        certificatePacks: makeCertificatePacks(seed, zoneSpec.name, zoneSpec.plan),
        customHostnames: makeCustomHostnames(seed, zoneSpec.name, zoneSpec.plan),
        logpushJobs:
          (zoneSpec.logpush ?? zoneSpec.plan === "enterprise")
            ? [
                {
                  id: jobId++,
                  name: `http-${zoneSpec.name}`,
                  dataset: "http_requests",
                  destinationType: "s3",
                },
              ]
            : [],
      });
    }
  }

  const accountIdByName = new Map(accounts.map((a) => [a.name, a.id]));
  const tokens: Token[] = spec.tokens.map((token) => {
    const accountIds = (token.accounts ?? accounts.map((a) => a.name)).map((name) => {
      const id = accountIdByName.get(name);
      if (!id) throw new Error(`token ${token.value}: unknown account ${name}`);
      return id;
    });
    if (token.kind === "account" && accountIds.length !== 1) {
      throw new Error(`token ${token.value}: an account-owned token belongs to exactly one account`);
    }
    return {
      id: hexId(seed, "token", token.value),
      value: token.value,
      kind: token.kind,
      accountIds,
      status: token.status,
    };
  });

  zones.sort((a, b) => a.id.localeCompare(b.id));
  return { seed, accounts, zones, tokens };
}

/** Accounts with several Workers run two connectors (one healthy, one degraded) and have a deleted one; others one idle tunnel. */
function makeCloudflaredTunnels(seed: string, accountName: string, busy: boolean): CloudflaredTunnel[] {
  const tunnel = (name: string, status: CloudflaredTunnel["status"], deleted: boolean, colos: string[]) => ({
    id: hexId(seed, "cfd-tunnel", accountName, name),
    name,
    status,
    deleted,
    connections: colos.map((colo) => ({
      coloName: colo.replace("~", ""),
      pendingReconnect: colo.startsWith("~"),
    })),
  });
  if (!busy) return [tunnel("home", "inactive", false, [])];
  return [
    tunnel("office-connector", "healthy", false, ["IAD", "IAD", "FRA", "FRA"]),
    tunnel("lab-connector", "degraded", false, ["IAD", "~EWR"]),
    tunnel("old-connector", "down", true, []),
  ];
}

function makePool(seed: string, accountId: string, name: string, index: number): Pool {
  const origins: Origin[] = [1, 2].map((n) => ({
    name: `${name}-origin-${n}`,
    address: `origin-${n}.${name}.internal.example`,
    ip: `192.0.2.${index * 10 + n}`,
    weight: n === 1 ? 0.7 : 0.3,
    enabled: true,
  }));
  return { id: hexId(seed, "pool", name), name, accountId, monitorId: hexId(seed, "monitor", name), origins };
}

function makeFirewallRules(seed: string, zoneName: string): FirewallRule[] {
  const customRuleset = hexId(seed, "ruleset-custom", zoneName);
  const managedRuleset = hexId(seed, "ruleset-managed", zoneName);
  return [
    {
      id: hexId(seed, "rule", zoneName, "1"),
      rulesetId: customRuleset,
      description: "Block bad bots",
      source: "firewallCustom",
    },
    {
      id: hexId(seed, "rule", zoneName, "2"),
      rulesetId: customRuleset,
      description: "Challenge admin paths",
      source: "firewallCustom",
    },
    {
      id: hexId(seed, "rule", zoneName, "3"),
      rulesetId: managedRuleset,
      description: "SQLi - Common patterns",
      source: "firewallManaged",
    },
    {
      id: hexId(seed, "rule", zoneName, "4"),
      rulesetId: hexId(seed, "ruleset-rl", zoneName),
      description: "Login rate limit",
      source: "ratelimit",
    },
  ];
}

function makeCertificatePacks(seed: string, zoneName: string, plan: PlanId): CertificatePack[] {
  const random = new Random(seed, "certs", zoneName);
  const expiry = (days: number) => new Date(Date.UTC(2027, 0, 1) + days * 86_400_000).toISOString();
  const universal: CertificatePack = {
    id: hexId(seed, "pack-universal", zoneName),
    type: "universal",
    status: "active",
    hosts: [zoneName, `*.${zoneName}`],
    certificateAuthority: "google",
    certificates: ["ECDSAWithSHA256", "SHA256WithRSA"].map((signature) => ({
      id: hexId(seed, "cert", zoneName, signature),
      hosts: [zoneName, `*.${zoneName}`],
      issuer: "GoogleTrustServices",
      status: "active",
      expiresOn: expiry(random.int(10, 80)),
      uploadedOn: created,
    })),
  };
  if (plan === "free" || plan === "pro") return [universal];
  const advanced: CertificatePack = {
    id: hexId(seed, "pack-advanced", zoneName),
    type: "advanced",
    status: "active",
    hosts: [zoneName, `api.${zoneName}`],
    certificateAuthority: "lets_encrypt",
    certificates: [
      {
        id: hexId(seed, "cert-advanced", zoneName),
        hosts: [zoneName, `api.${zoneName}`],
        issuer: "LetsEncrypt",
        status: "active",
        expiresOn: expiry(random.int(5, 60)),
        uploadedOn: created,
      },
    ],
  };
  return [universal, advanced];
}

/**
 * Business and Enterprise zones serve three SaaS customers: one live, one whose certificate
 * waits for validation (no expiry yet), one whose hostname is still pending.
 */
function makeCustomHostnames(seed: string, zoneName: string, plan: PlanId): CustomHostname[] {
  if (plan !== "business" && plan !== "enterprise") return [];
  const base = zoneName.split(".")[0] ?? zoneName;
  const expiry = (days: number) => new Date(Date.UTC(2027, 0, 1) + days * 86_400_000).toISOString();
  const hostname = (customer: string, status: string, sslStatus: string, expiresOn?: string) => ({
    id: hexId(seed, "custom-hostname", zoneName, customer),
    hostname: `${base}.${customer}.test`,
    status,
    sslStatus,
    ...(expiresOn ? { sslExpiresOn: expiresOn } : {}),
  });
  const random = new Random(seed, "custom-hostnames", zoneName);
  return [
    hostname("customer-a", "active", "active", expiry(random.int(20, 80))),
    hostname("customer-b", "active", "pending_validation"),
    hostname("customer-c", "pending", "initializing"),
  ];
}

/** The world `npm run simulator` and `npm start` use: two accounts, every plan. */
export const defaultWorldSpec: WorldSpec = {
  seed: "cloudflare-simulator",
  accounts: [
    {
      name: "Example Corp",
      type: "enterprise",
      magicTransit: true,
      logpush: true,
      workers: ["api-gateway", "image-resizer"],
      r2Buckets: ["assets", "backups"],
      stream: true,
      zones: [
        { name: "example.com", plan: "enterprise" },
        { name: "example-shop.com", plan: "business" },
        { name: "example-blog.net", plan: "pro" },
        { name: "example.org", plan: "free" },
      ],
    },
    {
      name: "Side Project",
      workers: ["hello-world"],
      zones: [
        { name: "sideproject.dev", plan: "pro" },
        { name: "sideproject.app", plan: "free" },
      ],
    },
  ],
  tokens: [
    { value: "sim-token" },
    { value: "sim-account-token", kind: "account", accounts: ["Example Corp"] },
    { value: "sim-expired-token", status: "expired" },
  ],
};

export function findToken(world: World, authorization: string | undefined): Token | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  return match ? world.tokens.find((token) => token.value === match[1]) : undefined;
}
