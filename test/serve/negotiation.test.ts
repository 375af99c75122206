import { describe, expect, it } from "vitest";
import { openMetricsContentType } from "../../lambda/exposition/openmetrics.ts";
import { textContentType } from "../../lambda/exposition/text.ts";
import { testApp } from "./adapters.ts";

/** Accept and Accept-Encoding read per RFC 9110 §12.4.2: weights, optional whitespace, q=0 refuses. */
const app = testApp();
const scrape = (headers: Record<string, string>) =>
  app({ method: "GET", path: "/metrics", rawQuery: "", headers });

describe("content negotiation", () => {
  const om = openMetricsContentType;
  const text = textContentType;
  it.each<[string, string]>([
    ["application/openmetrics-text;q=0, text/plain", text],
    ["application/openmetrics-text; q=0", text],
    ["application/openmetrics-text;Q=0.0, */*", text],
    ["application/openmetrics-text;q=0.2, text/plain;q=0.9", text],
    ["text/plain;q=0.1, application/openmetrics-text;q=0.5", om],
    [
      "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
      om,
    ],
    ["application/openmetrics-text", om],
    ["  application/openmetrics-text ;  version=1.0.0  ", om],
    ["APPLICATION/OPENMETRICS-TEXT", om],
    ["application/openmetrics-text, text/plain", om],
    ["*/*", text],
    ["text/plain", text],
    ["", text],
    ["application/openmetrics-text;q=abc, text/plain", text],
  ])("Accept: %s", async (accept, contentType) => {
    expect((await scrape({ accept })).headers["content-type"]).toBe(contentType);
  });

  it.each<[string, boolean]>([
    ["gzip", true],
    ["gzip ;  q=0.5", true],
    ["GZIP;Q=1", true],
    ["deflate, gzip;q=0.1", true],
    ["*", true],
    ["gzip;q=0", false],
    ["gzip ; q=0", false],
    ["gzip;q=0, *", false],
    ["*;q=0", false],
    ["deflate", false],
    ["identity", false],
    ["", false],
    ["gzip;q=2", false],
  ])("Accept-Encoding: %s gzipped %s", async (encoding, gzipped) => {
    const response = await scrape({ "accept-encoding": encoding });
    expect(response.headers["content-encoding"]).toBe(gzipped ? "gzip" : undefined);
  });
});
