import { Random } from "../random.ts";
import type { Account } from "../world.ts";
import { type Cell, diurnalFactor, splitCount } from "./cell.ts";

/**
 * R2 operations of an account's buckets in one minute (r2OperationsAdaptiveGroups), and one
 * storage snapshot per bucket every minute (r2StorageAdaptiveGroups, whose `max` fields are
 * the bucket's size then).
 */
type Weighted<T> = readonly (readonly [T, number])[];

const actions: Weighted<string> = [
  ["GetObject", 60],
  ["HeadObject", 12],
  ["PutObject", 14],
  ["ListObjects", 6],
  ["DeleteObject", 3],
  ["CreateMultipartUpload", 2],
  ["UploadPart", 3],
];
const statuses: Weighted<readonly [string, number]> = [
  [["success", 200], 95],
  [["userError", 404], 4],
  [["internalError", 500], 1],
];

export function r2OperationCells(seed: string, account: Account, minuteStart: number): Cell[] {
  const cells: Cell[] = [];
  for (const bucketName of account.r2Buckets) {
    const random = new Random(seed, "r2", account.id, bucketName, minuteStart);
    const total = Math.round(400 * diurnalFactor(minuteStart) * (0.8 + 0.4 * random.next()));
    for (const count of splitCount(total, 12, () => random.next())) {
      const actionType = random.weighted(actions);
      const [actionStatus, responseStatusCode] = random.weighted(statuses);
      const objectSize = random.int(1_000, 2_000_000);
      cells.push({
        time: minuteStart + random.int(0, 59),
        minute: minuteStart,
        attrs: {
          bucketName,
          actionType,
          actionStatus,
          responseStatusCode,
          storageClass: "Standard",
          eyeballRegion: random.pick(["WNAM", "ENAM", "WEUR", "APAC"] as const),
          objectName: `objects/${random.int(1, 500)}`,
        },
        metrics: {
          count,
          requests: count,
          responseBytes: actionType === "GetObject" && actionStatus === "success" ? count * objectSize : 0,
          responseObjectSize: count * objectSize,
        },
      });
    }
  }
  return cells;
}

export function r2StorageCells(seed: string, account: Account, minuteStart: number): Cell[] {
  return account.r2Buckets.map((bucketName, index) => {
    const random = new Random(seed, "r2-storage", account.id, bucketName, minuteStart);
    // Grows slowly with time, so every minute has its own value.
    const objectCount = 10_000 * (index + 1) + Math.floor((minuteStart / 60) % 100_000);
    return {
      time: minuteStart,
      minute: minuteStart,
      attrs: { bucketName, storageClass: "Standard" },
      metrics: {
        count: 1,
        objectCount,
        payloadSize: objectCount * 250_000 + random.int(0, 1_000_000),
        metadataSize: objectCount * 200,
        uploadCount: random.int(0, 5),
      },
    };
  });
}
