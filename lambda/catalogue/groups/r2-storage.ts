import * as z from "../../lib/zod.ts";
import { countSchema, each, gauge, lazyRows, timeSchema } from "../query-group.ts";

/**
 * R2 storage per bucket and storage class from `r2StorageAdaptiveGroups` (account scope):
 * objects, payload and metadata bytes, and multipart uploads in progress, as of the last
 * counted minute that had a measurement. The storage class is selected (and labelled) so each
 * row is one bucket, class and minute: Cloudflare's `max` over two classes would be neither.
 */
const rowSchema = () =>
  z.object({
    dimensions: z.object({ datetimeMinute: timeSchema(), bucketName: z.string(), storageClass: z.string() }),
    max: z.object({
      objectCount: countSchema(),
      payloadSize: countSchema(),
      metadataSize: countSchema(),
      uploadCount: countSchema(),
    }),
  });
type Row = z.output<ReturnType<typeof rowSchema>>;

const bucket = (r: Row) => ({ bucket: r.dimensions.bucketName, storage_class: r.dimensions.storageClass });
const labels = ["bucket", "storage_class"];

export const r2Storage = lazyRows<Row>({
  name: "r2-storage",
  scope: "account",
  dataset: "r2StorageAdaptiveGroups",
  shards: 1,
  rowSchema,
  minuteOf: (row) => row.dimensions.datetimeMinute,
  sampled: false,
  timeDimension: "datetimeMinute",
  series: [
    each(
      gauge("cloudflare_r2_objects", "Objects stored in the R2 bucket", labels, "objects"),
      (r) => r.max.objectCount,
      bucket,
    ),
    each(
      gauge(
        "cloudflare_r2_storage_payload_bytes",
        "Bytes of object data stored in the R2 bucket",
        labels,
        "bytes",
      ),
      (r) => r.max.payloadSize,
      bucket,
    ),
    each(
      gauge(
        "cloudflare_r2_storage_metadata_bytes",
        "Bytes of object metadata stored in the R2 bucket",
        labels,
        "bytes",
      ),
      (r) => r.max.metadataSize,
      bucket,
    ),
    each(
      gauge(
        "cloudflare_r2_multipart_uploads",
        "Multipart uploads in progress in the R2 bucket",
        labels,
        "uploads",
      ),
      (r) => r.max.uploadCount,
      bucket,
    ),
  ],
});
