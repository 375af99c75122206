import protobuf from "protobufjs";
import snappy from "snappyjs";
import { describe, expect, it } from "vitest";
import { encodeWriteRequest, writeRequestBody } from "../../lambda/push/write-request.ts";

/**
 * The hand-written WriteRequest encoder, decoded by a real protobuf library against the
 * remote-write 1.0 schema (prometheus/prompb types.proto and remote.proto, the fields
 * remote write 1.0 uses, with their numbers and types as published).
 */
const schema = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(schema).root.lookupType("prometheus.WriteRequest");

function decode(bytes: Uint8Array): unknown {
  return WriteRequest.toObject(WriteRequest.decode(bytes), { longs: Number, defaults: true });
}

describe("WriteRequest encoder", () => {
  it("decodes, with a real protobuf library, to the series, labels sorted by name, and samples given", () => {
    const bytes = encodeWriteRequest([
      {
        labels: { zone: "example.com", __name__: "cloudflare_zone_requests_total", Country: "DE" },
        samples: [
          { timestamp: 1_764_547_260_000, value: 1234 },
          { timestamp: 1_764_547_320_000, value: 1300.5 },
        ],
      },
      { labels: { __name__: "up" }, samples: [{ timestamp: 0, value: Number.NEGATIVE_INFINITY }] },
    ]);
    expect(decode(bytes)).toEqual({
      metadata: [],
      timeseries: [
        {
          labels: [
            { name: "Country", value: "DE" },
            { name: "__name__", value: "cloudflare_zone_requests_total" },
            { name: "zone", value: "example.com" },
          ],
          samples: [
            { value: 1234, timestamp: 1_764_547_260_000 },
            { value: 1300.5, timestamp: 1_764_547_320_000 },
          ],
        },
        {
          labels: [{ name: "__name__", value: "up" }],
          samples: [{ value: Number.NEGATIVE_INFINITY, timestamp: 0 }],
        },
      ],
    });
  });

  it("carries any UTF-8 label value and timestamps beyond 32 bits exactly", () => {
    const value = 'Zürich "quoted" \\ back\nline ✓';
    const bytes = encodeWriteRequest([
      { labels: { __name__: "m", city: value }, samples: [{ timestamp: 2 ** 53 - 1, value: 0.1 }] },
    ]);
    expect(decode(bytes)).toEqual({
      metadata: [],
      timeseries: [
        {
          labels: [
            { name: "__name__", value: "m" },
            { name: "city", value },
          ],
          samples: [{ value: 0.1, timestamp: 2 ** 53 - 1 }],
        },
      ],
    });
  });

  it("snappy-compresses the body (block format) so that uncompressing gives the protobuf bytes back", () => {
    const series = [{ labels: { __name__: "a" }, samples: [{ timestamp: 60_000, value: 7 }] }];
    expect(snappy.uncompress(writeRequestBody(series))).toEqual(encodeWriteRequest(series));
  });

  it("encodes an empty request as zero bytes", () => {
    expect(encodeWriteRequest([])).toEqual(new Uint8Array());
  });

  it("rejects a negative or fractional timestamp instead of encoding garbage", () => {
    expect(() =>
      encodeWriteRequest([{ labels: { __name__: "a" }, samples: [{ timestamp: -1, value: 1 }] }]),
    ).toThrow("not a varint: -1");
    expect(() =>
      encodeWriteRequest([{ labels: { __name__: "a" }, samples: [{ timestamp: 1.5, value: 1 }] }]),
    ).toThrow("not a varint: 1.5");
  });
});
