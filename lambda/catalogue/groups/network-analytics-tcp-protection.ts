import { networkAnalyticsGroup } from "./network-analytics.ts";

/** Network Analytics v2 of Advanced TCP Protection (`advancedTcpProtectionNetworkAnalyticsAdaptiveGroups`). */
export const networkAnalyticsTcpProtection = networkAnalyticsGroup({
  name: "network-analytics-tcp-protection",
  dataset: "advancedTcpProtectionNetworkAnalyticsAdaptiveGroups",
  system: "tcp_protection",
  seenBy: "Advanced TCP Protection",
});
