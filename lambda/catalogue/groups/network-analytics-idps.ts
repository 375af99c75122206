import { networkAnalyticsGroup } from "./network-analytics.ts";

/** Network Analytics v2 of Magic IDPS (`magicIDPSNetworkAnalyticsAdaptiveGroups`). */
export const networkAnalyticsIdps = networkAnalyticsGroup({
  name: "network-analytics-idps",
  dataset: "magicIDPSNetworkAnalyticsAdaptiveGroups",
  system: "idps",
  seenBy: "Magic IDPS (intrusion detection)",
});
