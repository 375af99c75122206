import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  type GetParametersByPathCommandInput,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { fileOverrides, ssmOverrides } from "./provider.ts";
import type { OverrideSource } from "./resolve.ts";

/**
 * Where the config CLI writes overrides: SSM parameters under one path (AWS), or local
 * mode's JSON file. The exporter reads the same places through `provider.ts`.
 */
export interface OverrideStore {
  source: OverrideSource;
  location: string;
  list(): Promise<Record<string, string>>;
  set(key: string, value: string): Promise<void>;
  /** Whether there was an override to remove. */
  unset(key: string): Promise<boolean>;
}

export function ssmOverrideStore(path: string, client: SSMClient): OverrideStore {
  const prefix = path.replace(/\/+$/, "");
  // The exporter's paging and naming over the CLI's SDK client (the operator's profile).
  const call = (_action: string, input: Record<string, unknown>) =>
    client.send(new GetParametersByPathCommand(input as unknown as GetParametersByPathCommandInput));
  const reader = ssmOverrides(prefix, { call, maxAgeSeconds: 0 });
  return {
    source: "ssm",
    location: `${prefix}/`,
    // Read exactly as the exporter reads them (provider.ts), uncached: what the CLI lists is what is in force.
    list: () => reader.read(),
    async set(key, value) {
      await client.send(
        new PutParameterCommand({
          Name: `${prefix}/${key}`,
          Value: value,
          Type: "String",
          Overwrite: true,
          Description: "cloudflare-exporter runtime override (written by npm run config)",
        }),
      );
    },
    async unset(key) {
      try {
        await client.send(new DeleteParameterCommand({ Name: `${prefix}/${key}` }));
        return true;
      } catch (error) {
        if (error instanceof ParameterNotFound) return false;
        throw error;
      }
    },
  };
}

/** Local mode's overrides file, under the data directory (`DATA_DIR`, default `.data`). */
export function localOverridesFile(dataDir = ".data"): string {
  return join(dataDir, "config-overrides.json");
}

export function fileOverrideStore(file: string): OverrideStore {
  const reader = fileOverrides(file);
  // Written whole to a temporary file and renamed, so a reader never sees half of it.
  const save = async (values: Record<string, string>) => {
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(values, null, 2)}\n`);
    await rename(temporary, file);
  };
  return {
    source: "file",
    location: file,
    list: () => reader.read(),
    async set(key, value) {
      await save({ ...(await reader.read()), [key]: value });
    },
    async unset(key) {
      const values = await reader.read();
      if (!Object.hasOwn(values, key)) return false;
      delete values[key];
      await save(values);
      return true;
    },
  };
}
