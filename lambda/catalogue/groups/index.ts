import type { AnyQueryGroup } from "../query-group.ts";
import { adaptiveOriginErrors } from "./adaptive-origin-errors.ts";
import { cacheMissOriginDuration } from "./cache-miss-origin-duration.ts";
import { colocation } from "./colocation.ts";
import { colocationErrors } from "./colocation-errors.ts";
import { edgeStatusCountryHost } from "./edge-status-country-host.ts";
import { firewallBots } from "./firewall-bots.ts";
import { firewallEvents } from "./firewall-events.ts";
import { healthCheckTimings } from "./health-check-timings.ts";
import { healthChecks } from "./health-checks.ts";
import { httpRequests1m } from "./http-requests-1m.ts";
import { loadBalancerPools } from "./load-balancer-pools.ts";
import { loadBalancerRequests } from "./load-balancer-requests.ts";
import { logpushAccount } from "./logpush-account.ts";
import { logpushZone } from "./logpush-zone.ts";
import { magicTransit } from "./magic-transit.ts";
import { magicTransitColos } from "./magic-transit-colos.ts";
import { originStatus } from "./origin-status.ts";
import { requestMethods } from "./request-methods.ts";
import { workers } from "./workers.ts";

/** Every query group the exporter runs, in collection order (zone groups, then account groups). */
export const queryGroups: readonly AnyQueryGroup[] = [
  httpRequests1m,
  // HTTP adaptive groups
  adaptiveOriginErrors,
  edgeStatusCountryHost,
  colocation,
  colocationErrors,
  requestMethods,
  originStatus,
  cacheMissOriginDuration,
  // security, health checks, load balancing, logpush (zone)
  firewallEvents,
  firewallBots,
  healthChecks,
  healthCheckTimings,
  loadBalancerRequests,
  loadBalancerPools,
  logpushZone,
  // account groups
  workers,
  logpushAccount,
  magicTransit,
  magicTransitColos,
];
