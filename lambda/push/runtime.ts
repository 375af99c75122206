import type { PushAfterRun } from "../collect/run-types.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import type { BuildInfo } from "../serve/families.ts";
import type { Store } from "../store/table.ts";
import { pushAfterRun } from "./push.ts";
import { selfSamplesOf } from "./self.ts";
import type { RemoteWriteTarget } from "./send.ts";

/** The push a run calls after its state writes (FetchDeps.push), wired from the settings. */
export function createPush(options: {
  config: Config;
  store: Store;
  clock: () => number;
  logger: Logger;
  target: RemoteWriteTarget;
  build: BuildInfo;
}): PushAfterRun {
  const { config, store, clock, logger, target } = options;
  const deps = {
    store,
    clock,
    logger,
    target,
    maxSamplesPerRequest: config.remoteWriteMaxSamplesPerRequest,
    windowSeconds: config.remoteWriteWindowSeconds,
    denylist: config.metricsDenylist,
    selfSamples: selfSamplesOf({ store, config, build: options.build, clock }),
  };
  return (account, writes, options) =>
    pushAfterRun(
      options?.selfMetrics === false ? { ...deps, selfSamples: undefined } : deps,
      account,
      writes,
      options?.wholeAccount !== false,
    );
}
