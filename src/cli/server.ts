/** `npm start`: parse the settings, open the store, serve. One clear line and exit 1 on a bad setting. */
import os from 'node:os';
import { ConfigError, parseConfig } from '../infra/config.ts';
import { startPgliteThread } from '../infra/db/pglite-runner.ts';
import type { CachedModule } from './code-cache.ts';

/** What the start-up bundle adds to the composition root's module (scripts/build.mjs): its V8 code cache. */
interface Bundled {
  readonly codeCache?: CachedModule<unknown>;
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.env, os.availableParallelism());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`idxchain: invalid setting ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // The embedded database opens on its own thread while the rest of the server loads (start-up time).
  const started = config.databaseUrl === null ? startPgliteThread(config.dataDir) : null;
  const compose: typeof import('../compose.ts') & Bundled = await import('../compose.ts');
  const { createLedger, storeOptionsFor } = compose;
  let ledger;
  try {
    ledger = await createLedger({ config, store: storeOptionsFor(config, started ?? undefined) });
  } catch (e) {
    process.stderr.write(`idxchain: cannot start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const log = ledger.app.log;
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    ledger
      .close()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    await ledger.app.listen({ port: config.port, host: config.host });
  } catch (e) {
    process.stderr.write(`idxchain: cannot listen on ${config.host}:${config.port}: ${(e as Error).message}\n`);
    await ledger.close().catch(() => {});
    process.exit(1);
  }
  log.info({ store: ledger.store.kind, location: ledger.store.location, difficulty: config.difficulty, batch: config.batchSize }, 'idxchain ready');
  // From the start-up bundle: keep what V8 compiled to start, for the next start (once, when there was no cache).
  const cache = compose.codeCache;
  if (cache) setImmediate(() => cache.save() && log.info({ file: cache.cacheFile }, 'code cache written'));
}

void main();
