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
      connectionTimeoutMillis: 5_000,
      types: {
        getTypeParser: (oid: number, format?: unknown) =>
          oid === INT8_OID ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as 'text'),
      } as never,
    });
    // An idle client losing its server must not crash the process.
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
