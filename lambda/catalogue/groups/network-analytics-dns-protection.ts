import { networkAnalyticsGroup } from "./network-analytics.ts";

/** Network Analytics v2 of Advanced DNS Protection (`advancedDnsProtectionNetworkAnalyticsAdaptiveGroups`). */
export const networkAnalyticsDnsProtection = networkAnalyticsGroup({
  name: "network-analytics-dns-protection",
  dataset: "advancedDnsProtectionNetworkAnalyticsAdaptiveGroups",
  system: "dns_protection",
  seenBy: "Advanced DNS Protection",
});
