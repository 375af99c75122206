import { createServer, type Server } from "node:http";
import protobuf from "protobufjs";
import snappy from "snappyjs";
import { seriesKey } from "../../lambda/catalogue/series-key.ts";

/**
 * A remote-write receiver for tests: decodes each body with a real protobuf library (after
 * snappy), keeps every sample by series and timestamp, and notes what a strict receiver
 * would refuse: a sample older than the series' newest, or a different value at a
 * timestamp already held; and a sample delivered twice (delivery must be exactly once).
 * It answers 204, or 503 / 400 when told to.
 */
const schema = `
syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`;
const WriteRequest = protobuf.parse(schema).root.lookupType("WriteRequest");

interface Decoded {
  timeseries: {
    labels: { name: string; value: string }[];
    samples: { value: number; timestamp: number }[];
  }[];
}

export interface Receiver {
  url: string;
  mode: "up" | "down" | "reject";
  /** series key → timestamp (ms) → value */
  series: Map<string, Map<number, number>>;
  requestSizes: number[];
  backwards: string[];
  conflicts: string[];
  /** Samples received again at a timestamp already held, with the same value. */
  duplicates: string[];
  headers: Record<string, string | string[] | undefined>[];
  /** The value of a series at `t` as a query would see it: its newest sample at or before `t`. */
  valueAt(key: string, t: number): number | undefined;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, "url" | "close"> = {
    mode: "up",
    series: new Map(),
    requestSizes: [],
    backwards: [],
    conflicts: [],
    duplicates: [],
    headers: [],
    valueAt(key, t) {
      let best: [number, number] | undefined;
      for (const [at, value] of this.series.get(key) ?? [])
        if (at <= t && (!best || at > best[0])) best = [at, value];
      return best?.[1];
    },
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (receiver.mode === "down") {
        response.writeHead(503).end("receiver stopped");
        return;
      }
      if (receiver.mode === "reject") {
        response.writeHead(400).end("out of bounds");
        return;
      }
      receiver.headers.push(request.headers);
      const bytes = snappy.uncompress(new Uint8Array(Buffer.concat(chunks)));
      const decoded = WriteRequest.toObject(WriteRequest.decode(bytes), {
        longs: Number,
        defaults: true,
      }) as Decoded;
      let size = 0;
      for (const one of decoded.timeseries) {
        const labels = Object.fromEntries(one.labels.map((l) => [l.name, l.value]));
        const { __name__: name = "", ...rest } = labels;
        const key = seriesKey(name, rest);
        const held = receiver.series.get(key) ?? new Map<number, number>();
        for (const { timestamp, value } of one.samples) {
          size += 1;
          const newest = Math.max(-1, ...held.keys());
          const existing = held.get(timestamp);
          if (existing !== undefined && existing !== value) receiver.conflicts.push(`${key}@${timestamp}`);
          else if (existing !== undefined) receiver.duplicates.push(`${key}@${timestamp}`);
          else if (existing === undefined && timestamp < newest)
            receiver.backwards.push(`${key}@${timestamp}`);
          held.set(timestamp, value);
        }
        receiver.series.set(key, held);
      }
      receiver.requestSizes.push(size);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${address.port}/api/v1/write`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
