/**
 * Prometheus remote-write 1.0: a `WriteRequest` protobuf message, snappy-compressed (block
 * format, not framed). Only the fields remote write 1.0 needs are written:
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 *
 * Hand-written because it is this small; tests decode its output with a real protobuf library.
 */
import snappy from "snappyjs";

export interface TimeSeries {
  /** Every label, the metric name as `__name__`; sorted by name when encoded. */
  labels: Readonly<Record<string, string>>;
  /** Oldest first, timestamps in milliseconds. */
  samples: readonly { timestamp: number; value: number }[];
}

export const remoteWriteHeaders = {
  "Content-Encoding": "snappy",
  "Content-Type": "application/x-protobuf",
  "X-Prometheus-Remote-Write-Version": "0.1.0",
} as const;

const wireVarint = 0;
const wireFixed64 = 1;
const wireBytes = 2;

class Writer {
  private chunks: number[] = [];

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.chunks.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.chunks.push(rest);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, wireBytes);
    this.varint(data.length);
    for (const byte of data) this.chunks.push(byte);
  }

  double(field: number, value: number): void {
    this.tag(field, wireFixed64);
    const buffer = new DataView(new ArrayBuffer(8));
    buffer.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.chunks.push(buffer.getUint8(i));
  }

  /** int64 as a varint; remote-write timestamps are never negative. */
  int64(field: number, value: number): void {
    this.tag(field, wireVarint);
    this.varint(value);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

const utf8 = new TextEncoder();

function encodeLabel(name: string, value: string): Uint8Array {
  const writer = new Writer();
  writer.bytes(1, utf8.encode(name));
  writer.bytes(2, utf8.encode(value));
  return writer.finish();
}

function encodeSample(value: number, timestamp: number): Uint8Array {
  const writer = new Writer();
  writer.double(1, value);
  writer.int64(2, timestamp);
  return writer.finish();
}

function encodeTimeSeries(series: TimeSeries): Uint8Array {
  const writer = new Writer();
  // Receivers expect labels sorted by name (byte order).
  const names = Object.keys(series.labels).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) writer.bytes(1, encodeLabel(name, series.labels[name] ?? ""));
  for (const sample of series.samples) writer.bytes(2, encodeSample(sample.value, sample.timestamp));
  return writer.finish();
}

/** The protobuf bytes of a WriteRequest (uncompressed). */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  const writer = new Writer();
  for (const one of series) writer.bytes(1, encodeTimeSeries(one));
  return writer.finish();
}

/** The request body remote write sends: the WriteRequest, snappy block-compressed. */
export function writeRequestBody(series: readonly TimeSeries[]): Uint8Array {
  return snappy.compress(encodeWriteRequest(series));
}
