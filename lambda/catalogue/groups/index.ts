import type { AnyQueryGroup } from "../query-group.ts";
import { adaptiveOriginErrors } from "./adaptive-origin-errors.ts";
import { cacheMissOriginDuration } from "./cache-miss-origin-duration.ts";
import { colocation } from "./colocation.ts";
import { colocationErrors } from "./colocation-errors.ts";
import { colocationOriginDuration } from "./colocation-origin-duration.ts";
import { dnsAccount } from "./dns-account.ts";
import { dnsZone } from "./dns-zone.ts";
import { edgeStatusCountryHost } from "./edge-status-country-host.ts";
import { firewallBots } from "./firewall-bots.ts";
import { firewallEvents } from "./firewall-events.ts";
import { healthCheckTimings } from "./health-check-timings.ts";
import { healthChecks } from "./health-checks.ts";
import { httpRequests1m } from "./http-requests-1m.ts";
import { httpRequestsAdaptiveBreakdowns } from "./http-requests-adaptive-breakdowns.ts";
import { httpRequestsAdaptiveTotals } from "./http-requests-adaptive-totals.ts";
import { loadBalancerPools } from "./load-balancer-pools.ts";
import { loadBalancerRequests } from "./load-balancer-requests.ts";
import { logpushAccount } from "./logpush-account.ts";
import { logpushZone } from "./logpush-zone.ts";
import { magicFirewallRules } from "./magic-firewall-rules.ts";
import { magicTransit } from "./magic-transit.ts";
import { magicTransitColos } from "./magic-transit-colos.ts";
import { magicTransitSlo } from "./magic-transit-slo.ts";
import { magicTransitState } from "./magic-transit-state.ts";
import { magicTransitTraffic } from "./magic-transit-traffic.ts";
import { networkAnalyticsDosd } from "./network-analytics-dosd.ts";
import { originStatus } from "./origin-status.ts";
import { r2Operations } from "./r2-operations.ts";
import { r2Storage } from "./r2-storage.ts";
import { requestMethods } from "./request-methods.ts";
import { streamPlayback } from "./stream-playback.ts";
import { workers } from "./workers.ts";
import { workersStatus } from "./workers-status.ts";

/** Every query group the exporter runs, in collection order (zone groups, then account groups). */
export const queryGroups: readonly AnyQueryGroup[] = [
  httpRequests1m,
  // headline families for zones without httpRequests1mGroups (Free)
  httpRequestsAdaptiveTotals,
  httpRequestsAdaptiveBreakdowns,
  // HTTP adaptive groups
  adaptiveOriginErrors,
  edgeStatusCountryHost,
  colocation,
  colocationErrors,
  requestMethods,
  originStatus,
  cacheMissOriginDuration,
  colocationOriginDuration,
  // security, health checks, load balancing, logpush (zone)
  firewallEvents,
  firewallBots,
  healthChecks,
  healthCheckTimings,
  loadBalancerRequests,
  loadBalancerPools,
  logpushZone,
  // DNS
  dnsZone,
  // account groups
  workers,
  workersStatus,
  logpushAccount,
  magicTransit,
  magicTransitColos,
  magicTransitState,
  dnsAccount,
  r2Operations,
  r2Storage,
  magicTransitSlo,
  magicTransitTraffic,
  magicFirewallRules,
  networkAnalyticsDosd,
  streamPlayback,
];
