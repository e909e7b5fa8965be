/**
 * Opens the store: PostgreSQL when DATABASE_URL is set (lazily: no connection
 * is made until the first query), else the embedded PGlite in DATA_DIR (or in
 * memory for tests). Migrations are applied separately by `migrate`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, sql, type Transaction } from 'kysely';
import { PostgresDialect } from 'kysely';
import { SingleConnectionPool } from './pglite-dialect.ts';
// PGlite itself is loaded by openInProcess only for the embedded store (start-up time).
import { INT8_OID, openInProcess, startOnThread, type StartedThread } from './pglite-runner.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Schema } from './schema.ts';

export type Db = Kysely<Schema>;
export type Tx = Transaction<Schema>;
/** A repository runs on a transaction, or on the database for one-statement reads. */
export type Executor = Db | Tx;

export interface Store {
  readonly db: Db;
  /**
   * The same database for the sealer: its connections never wait behind
   * ordinary requests (PGlite: the front of the queue; PostgreSQL: a pool of
   * its own), so a flood of payments cannot starve the blocks that settle them.
   */
  readonly sealDb: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Where it lives, with any password removed (for logs). */
  readonly location: string;
  /** Connections in use now (for metrics). */
  inUse(): number;
  /**
   * Settles when the store is open. The embedded store on a thread opens in
   * the background (statements wait for it); a store that cannot open at all
   * rejects here. Resolved at once otherwise.
   */
  readonly opened: Promise<void>;
  close(): Promise<void>;
}

export type StoreOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  /**
   * null: in memory. `thread`: run the database on a thread of its own (the
   * server; default: this thread). `started`: that thread, already started
   * by the caller for this data directory (pglite-runner's `startPgliteThread`).
   */
  | { kind: 'pglite'; dataDir: string | null; thread?: boolean; started?: StartedThread };


export { INT8_OID };

export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Db;
  let sealDb: Db;
  let location: string;
  let inUse: () => number;
  let opened = Promise.resolve();
  if (opts.kind === 'postgres') {
    // pg is loaded only for PostgreSQL (start-up time on the embedded store).
    const opened = (await import('./postgres-pool.ts')).openPostgres(opts.url, opts.poolSize ?? 10);
    db = opened.db;
    sealDb = opened.sealDb;
    inUse = opened.inUse;
    location = opened.location;
  } else {
    const dir = opts.dataDir === null ? null : path.resolve(opts.dataDir, 'pglite');
    if (dir !== null) mkdirSync(dir, { recursive: true });
    location = dir ?? 'memory://';
    let runner;
    if (opts.thread && dir !== null) {
      const started = opts.started ?? startOnThread(dir);
      runner = started.runner;
      opened = started.ready;
    } else runner = await openInProcess(dir);
    const single = new SingleConnectionPool(runner);
    inUse = () => (single.busy ? 1 : 0);
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: single as never }) });
    sealDb = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: single.urgent() as never }) });
  }
  return {
    db,
    sealDb,
    kind: opts.kind,
    location,
    inUse,
    opened,
    close: async () => {
      await sealDb.destroy();
      await db.destroy();
    },
  };
}

/**
 * Applies the migrations not yet applied. A store that has them all (every
 * start but the first) is recognised with one query instead of the
 * migrator's catalog introspection and lock (most of a restart's SQL time on
 * the embedded store).
 */
export async function migrate(db: Db): Promise<void> {
  if (await upToDate(db)) return;
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`);
  }
}

async function upToDate(db: Db): Promise<boolean> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return false;
  const done = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
  const applied = new Set(done.rows.map((r) => r.name));
  return Object.keys(await migrationProvider.getMigrations()).every((name) => applied.has(name));
}
