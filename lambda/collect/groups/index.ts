import type { AnyQueryGroup } from "../query-group.ts";
import { httpRequests1m } from "./http-requests-1m.ts";

/** Every query group the exporter runs, in collection order. */
export const queryGroups: readonly AnyQueryGroup[] = [httpRequests1m];
