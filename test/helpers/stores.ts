/**
 * The two stores every integration suite runs on: the embedded PGlite and the
 * machine's PostgreSQL, each suite in a database of its own (created here,
 * dropped after), so suites never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { StoreOptions } from '../../src/infra/db/database.ts';

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestStore {
  readonly name: 'pglite' | 'postgres';
  /** Options to open (and re-open) the same store. */
  readonly options: StoreOptions;
  readonly url: string | null;
  drop(): Promise<void>;
}

export async function postgresAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

export async function createPostgresStore(): Promise<TestStore> {
  const name = `idx_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    name: 'postgres',
    options: { kind: 'postgres', url, poolSize: 8 },
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export function createPgliteStore(dataDir: string | null): TestStore {
  return { name: 'pglite', options: { kind: 'pglite', dataDir }, url: null, drop: async () => {} };
}

/** Which stores to run on: both, unless PostgreSQL is unreachable outside CI (then said loudly). */
export async function storeKinds(): Promise<Array<'pglite' | 'postgres'>> {
  if (await postgresAvailable()) return ['pglite', 'postgres'];
  if (process.env.CI) throw new Error(`PostgreSQL is required in CI but ${PG_ADMIN_URL} is unreachable`);
  process.stderr.write(`# PostgreSQL at ${PG_ADMIN_URL} unreachable: its suites are skipped\n`);
  return ['pglite'];
}
