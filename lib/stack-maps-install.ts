import { formatStack } from "./stack-maps.ts";

/**
 * Injected into every Lambda bundle (lib/bundling.ts `esbuildOptions.inject`): V8 formats
 * each trace with lib/stack-maps.ts, which reads the bundle's source maps at the first one.
 */
Error.prepareStackTrace = (error, sites) => formatStack(error, sites);
