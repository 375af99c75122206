import type { PlanId } from "./world.ts";

/**
 * What each plan may query, per dataset: the numbers behind the `settings` node and the
 * access, retention and range errors. Cloudflare no longer publishes a full matrix; these
 * follow the last published table and field reports (see docs/simulator.md).
 */
export interface DatasetLimits {
  enabled: boolean;
  /** Seconds back from now a query may reach. */
  notOlderThan: number;
  /** Widest time range one query may ask for, in seconds. */
  maxDuration: number;
  maxPageSize: number;
  maxNumberOfFields: number;
  /** Fields (lower-cased, as Cloudflare names them in the error) this plan may not use. */
  deniedFields: readonly string[];
}

const DAY = 86_400;
const disabled: DatasetLimits = {
  enabled: false,
  notOlderThan: 0,
  maxDuration: 0,
  maxPageSize: 0,
  maxNumberOfFields: 0,
  deniedFields: [],
};

function limits(
  notOlderThanDays: number,
  maxDurationDays: number,
  deniedFields: readonly string[] = [],
): DatasetLimits {
  return {
    enabled: true,
    notOlderThan: notOlderThanDays * DAY,
    maxDuration: maxDurationDays * DAY,
    maxPageSize: 10_000,
    maxNumberOfFields: 30,
    deniedFields,
  };
}

/** Bot Management fields need the Enterprise add-on. */
const botFields = ["botscore", "botscoresrcname", "botmanagementdecision"];
/** Fields field reports show refused on Free zones. */
const freeHttpFields = ["edgeresponsecontenttypename", "clientasn", "clientrefererhost", ...botFields];

type PlanTable = Record<PlanId, DatasetLimits>;

export const zoneDatasetLimits: Record<string, PlanTable> = {
  httpRequests1mGroups: {
    free: disabled,
    pro: limits(1, 1),
    business: limits(3, 3),
    enterprise: limits(7, 3),
  },
  httpRequestsAdaptiveGroups: {
    free: limits(8, 1, freeHttpFields),
    pro: limits(31, 1, botFields),
    business: limits(31, 3, botFields),
    enterprise: limits(31, 3),
  },
  httpRequestsOverviewAdaptiveGroups: {
    free: limits(32, 1),
    pro: limits(32, 1),
    business: limits(32, 3),
    enterprise: limits(32, 3),
  },
  firewallEventsAdaptiveGroups: {
    free: disabled,
    pro: limits(3, 1, botFields),
    business: limits(30, 3, botFields),
    enterprise: limits(30, 3),
  },
  healthCheckEventsAdaptiveGroups: {
    free: disabled,
    pro: limits(3, 1),
    business: limits(30, 3),
    enterprise: limits(90, 3),
  },
  loadBalancingRequestsAdaptiveGroups: {
    free: disabled,
    pro: limits(3, 1),
    business: limits(30, 3),
    enterprise: limits(30, 3),
  },
  logpushHealthAdaptiveGroups: {
    free: disabled,
    pro: disabled,
    business: disabled,
    enterprise: limits(30, 3),
  },
  // Every plan; history 7 days on Free, 31 on Pro and Business, 62 on Enterprise.
  dnsAnalyticsAdaptiveGroups: {
    free: limits(7, 1),
    pro: limits(31, 1),
    business: limits(31, 1),
    enterprise: limits(62, 1),
  },
};

export interface AccountEntitlements {
  type: "standard" | "enterprise";
  magicTransit: boolean;
  stream: boolean;
}

export function accountDatasetLimits(dataset: string, account: AccountEntitlements): DatasetLimits {
  switch (dataset) {
    case "workersInvocationsAdaptive":
      return limits(90, 31);
    case "logpushHealthAdaptiveGroups":
      return account.type === "enterprise" ? limits(30, 3) : disabled;
    case "magicTransitTunnelHealthChecksAdaptiveGroups":
    case "magicTransitTunnelHealthCheckSLOsAdaptiveGroups":
    case "magicTransitTunnelTrafficAdaptiveGroups":
    case "magicFirewallSamplesAdaptiveGroups":
    case "dosdNetworkAnalyticsAdaptiveGroups":
    case "magicIDPSNetworkAnalyticsAdaptiveGroups":
    case "advancedTcpProtectionNetworkAnalyticsAdaptiveGroups":
    case "advancedDnsProtectionNetworkAnalyticsAdaptiveGroups":
      return account.magicTransit ? limits(90, 7) : disabled;
    case "streamMinutesViewedAdaptiveGroups":
    case "liveInputEventsAdaptiveGroups":
      return account.stream ? limits(90, 31) : disabled;
    // Every account (an account without buckets gets no rows).
    case "dnsAnalyticsAdaptiveGroups":
    case "r2OperationsAdaptiveGroups":
    case "r2StorageAdaptiveGroups":
      return limits(31, 1);
    default:
      return disabled;
  }
}

export function zoneLimits(
  dataset: string,
  plan: PlanId,
  botManagement = plan === "enterprise",
): DatasetLimits {
  const limits = zoneDatasetLimits[dataset]?.[plan] ?? disabled;
  if (botManagement || !limits.enabled) return limits;
  // An Enterprise zone without the add-on is refused the bot fields as other plans are.
  return { ...limits, deniedFields: [...new Set([...limits.deniedFields, ...botFields])] };
}
