import { describe, expect, it } from "vitest";
import type { Family } from "../../lambda/exposition/model.ts";
import { ownSamples } from "../../lambda/push/self.ts";

/** Which of the scrape's self-metrics one account's run pushes: each series by one run only. */
const families: Family[] = [
  { name: "cloudflare_accounts", help: "", type: "gauge", samples: [{ labels: [], value: 2 }] },
  {
    name: "cloudflare_exporter_rate_limit_events_total",
    help: "",
    type: "counter",
    samples: [
      { labels: [["account", "acme"]], value: 3 },
      { labels: [["account", "globex"]], value: 7 },
    ],
  },
  {
    name: "cloudflare_exporter_collected_until_timestamp_seconds",
    help: "",
    type: "gauge",
    samples: [
      {
        labels: [
          ["account", "acme"],
          ["zone", "example.com"],
          ["query", "http-requests-1m"],
        ],
        value: 1_764_547_200,
      },
    ],
  },
];

describe("ownSamples", () => {
  it("gives an account's run the series of its account, and the exporter-wide ones to the first account only", () => {
    expect(ownSamples(families, "acme", true)).toEqual([
      { key: "cloudflare_accounts", v: 2 },
      { key: 'cloudflare_exporter_rate_limit_events_total{account="acme"}', v: 3 },
      {
        key: 'cloudflare_exporter_collected_until_timestamp_seconds{account="acme",query="http-requests-1m",zone="example.com"}',
        v: 1_764_547_200,
      },
    ]);
    expect(ownSamples(families, "globex", false)).toEqual([
      { key: 'cloudflare_exporter_rate_limit_events_total{account="globex"}', v: 7 },
    ]);
  });
});
