/**
 * The PostgreSQL connection pool (node-postgres under Kysely): BIGINT as
 * bigint, timeouts for a server that goes away, and clients that survive it.
 * Loaded by `openStore` only when DATABASE_URL is set.
 */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { INT8_OID, type Db } from './database.ts';
import type { Schema } from './schema.ts';

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

export function openPostgres(url: string, poolSize: number): { db: Db; sealDb: Db; inUse: () => number; location: string } {
  const pool = newPool(url, poolSize);
  // The sealer's own connections: a seal never waits for a slot behind ordinary requests.
  const sealPool = newPool(url, 2);
  return {
    db: new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) }),
    sealDb: new Kysely<Schema>({ dialect: new PostgresDialect({ pool: sealPool }) }),
    inUse: () => pool.totalCount - pool.idleCount + sealPool.totalCount - sealPool.idleCount,
    location: redact(url),
  };
}

function newPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
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
  return pool;
}
