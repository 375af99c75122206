import { SSMClient } from "@aws-sdk/client-ssm";
import { runConfigCli } from "../lambda/config/cli.ts";
import { fileOverrideStore, localOverridesFile, ssmOverrideStore } from "../lambda/config/override-store.ts";

/**
 * `npm run config -- …`: reads and writes runtime overrides. SSM when a parameter path is
 * given (`--ssm-path` or `CONFIG_PARAMETER_PATH`, the stack's output), else local mode's file.
 */
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const [value] = args.splice(index, 2).slice(1);
  return value;
};
const ssmPath = option("--ssm-path") ?? process.env.CONFIG_PARAMETER_PATH;
const file = option("--file") ?? localOverridesFile(process.env.DATA_DIR);
const store = ssmPath ? ssmOverrideStore(ssmPath, new SSMClient({})) : fileOverrideStore(file);

try {
  process.exitCode = await runConfigCli(args, {
    store,
    env: process.env,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} catch (error) {
  console.error(`config: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
