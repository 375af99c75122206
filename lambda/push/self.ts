import { seriesKey } from "../catalogue/series-key.ts";
import { accountInfoSchema } from "../cloudflare/schemas.ts";
import type { Config } from "../config/config.ts";
import type { Family } from "../exposition/model.ts";
import * as z from "../lib/zod.ts";
import { type BuildInfo, exporterFamilies } from "../serve/families.ts";
import { type AccountState, readAccount, readState, type StoredState } from "../serve/state.ts";
import { readGraphqlBlocks } from "../store/graphql-blocks.ts";
import { readDocument } from "../store/items.ts";
import type { JournalBody, PushSample } from "../store/push-journal.ts";
import { accountListKey, keys, type Store } from "../store/table.ts";

/**
 * The exporter's own metrics, pushed as the scrape serves them: computed by the scrape's
 * own code (serve/families.ts) from the stored state right after the run's writes, with
 * the push journal as this run leaves it. The run's own request and error counts are
 * stored after its push, so they reach the receiver with the next run's samples.
 *
 * Each series is pushed by one run only, so it never goes backwards in time: a series
 * labelled with an account by that account's run; the exporter-wide ones (no `account`
 * label: `cloudflare_exporter_up`, `cloudflare_zones`, ...) by the run of the first account
 * of the account list, which reads every account's state for them.
 */
export interface SelfSampleSource {
  store: Store;
  config: Config;
  build: BuildInfo;
  clock: () => number;
}

export function selfSamplesOf(
  source: SelfSampleSource,
): (account: { id: string; name: string }, journal: JournalBody) => Promise<PushSample[]> {
  return async (account, journal) => {
    const { store, config } = source;
    const listed = await readDocument(
      store,
      keys.discovery,
      accountListKey(config.cfAccounts),
      z.array(accountInfoSchema()),
    );
    const exporterWide = listed?.value[0]?.id === account.id;
    // Another account's run pushes its own account's series: its state, and its GraphQL block.
    const state: StoredState = exporterWide
      ? await readState(store, config)
      : {
          accounts: [await readAccount(store, account)],
          graphqlBlocks: await readGraphqlBlocks(store, account.id),
        };
    const withJournal: StoredState = {
      ...state,
      accounts: state.accounts.map(
        (a): AccountState => (a.account.id === account.id ? { ...a, push: journal } : a),
      ),
    };
    const t = source.clock();
    return ownSamples(exporterFamilies(withJournal, config, source.build), account.name, exporterWide).map(
      ({ key, v }) => ({ key, t, v }),
    );
  };
}

/** The samples this account's run pushes: those labelled with its account, and the exporter-wide ones if it is the first. */
export function ownSamples(
  families: readonly Family[],
  accountName: string,
  exporterWide: boolean,
): { key: string; v: number }[] {
  const out: { key: string; v: number }[] = [];
  for (const family of families) {
    for (const { labels, value } of family.samples) {
      const account = labels.find(([name]) => name === "account")?.[1];
      if (account === undefined ? !exporterWide : account !== accountName) continue;
      out.push({ key: seriesKey(family.name, Object.fromEntries(labels)), v: value });
    }
  }
  return out;
}
