/**
 * Opens the store: PostgreSQL when DATABASE_URL is set (lazily: no connection
 * is made until the first query), else the embedded PGlite in DATA_DIR (or in
 * memory for tests). Migrations are applied separately by `migrate`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PostgresDialect } from 'kysely';
import { SingleConnectionPool } from './pglite-dialect.ts';
import { migrationProvider } from './migrations/index.ts';
import type { Schema } from './schema.ts';

export type Db = Kysely<Schema>;
export type Tx = Transaction<Schema>;
/** A repository runs on a transaction, or on the database for one-statement reads. */
export type Executor = Db | Tx;

export interface Store {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Where it lives, with any password removed (for logs). */
  readonly location: string;
  /** Connections in use now (for metrics). */
  inUse(): number;
  close(): Promise<void>;
}

export type StoreOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string | null }; // null: in memory

const INT8_OID = 20;

/*
 * PostgreSQL going away while we run (see docs/RELIABILITY.md). Not settings:
 * every statement of the ledger is a single-row change or a page, far below these.
 * - A connection (or a wait for a free one) that takes longer than this fails: 503.
 * - A statement with no answer this long (a silent network: nothing refused,
 *   nothing answered) fails, and its connection is dropped (GuardedClient).
 * - The server ends a session left idle inside a transaction this long: a client
 *   cut off mid-transaction must not hold its row locks after the network heals.
 */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 15_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 20_000;

/**
 * A pg client that (1) never throws an unhandled 'error' when its connection
 * dies while it is checked out of the pool (pg emits 'error' on the client, and
 * the pool listens only while it is idle: without this the process exits), and
 * (2) drops its connection when a statement times out, since the server may still
 * answer it later (the pool then discards it instead of reusing it).
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {}); // the statement in flight fails with it; the pool drops the client
  }

  override query(...args: unknown[]): never {
    const result = (pg.Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (e: unknown) => {
        if ((e as Error)?.message === 'Query read timeout') (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      });
    }
    return result as never;
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  let db: Db;
  let location: string;
  let inUse: () => number;
  if (opts.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      Client: GuardedClient,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      types: {
        getTypeParser: (oid: number, format?: unknown) =>
          oid === INT8_OID ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as 'text'),
      } as never,
    });
    // An idle client losing its server must not crash the process (it is dropped from the pool).
    pool.on('error', () => {});
    inUse = () => pool.totalCount - pool.idleCount;
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    location = redact(opts.url);
  } else {
    // BIGINT as bigint on both stores (pg is given the same parser above).
    const parsers = { [INT8_OID]: (v: string) => BigInt(v) };
    let pglite: PGlite;
    if (opts.dataDir === null) {
      pglite = new PGlite({ parsers });
      location = 'memory://';
    } else {
      const dir = path.resolve(opts.dataDir, 'pglite');
      mkdirSync(dir, { recursive: true });
      pglite = new PGlite(dir, { parsers });
      location = dir;
    }
    await pglite.waitReady;
    const single = new SingleConnectionPool(pglite);
    inUse = () => (single.busy ? 1 : 0);
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: single as never }) });
  }
  return {
    db,
    kind: opts.kind,
    location,
    inUse,
    close: async () => {
      await db.destroy();
    },
  };
}

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`);
  }
}
