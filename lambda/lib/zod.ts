/**
 * The validation library as the Lambda code imports it: zod's "mini" build, whose functions
 * a bundle keeps only when used (the classic build's chainable methods bring every schema
 * type, and JSON Schema output, into each bundle: about 55 KB more at every cold start).
 * Mini leaves error messages to a locale the caller registers; English is registered here,
 * as the classic build does itself, so messages read as they always have.
 */

import { en } from "zod/locales";
import { config } from "zod/mini";

// Built at the first message zod writes itself (a failed parse without a message of ours),
// which most invocations never meet.
let english: ReturnType<typeof en> | undefined;
config({
  localeError: (issue) => {
    english ??= en();
    return english.localeError?.(issue);
  },
});

export * from "zod/mini";
