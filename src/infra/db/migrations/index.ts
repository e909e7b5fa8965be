/** Versioned migrations, in order. The same list serves PGlite and PostgreSQL. */
import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-ledger.ts';
import * as m002 from './002-audit.ts';
import * as m003 from './003-functions.ts';
import * as m004 from './004-batches.ts';
import * as m005 from './005-seal.ts';
import * as m006 from './006-hot-paths.ts';
import * as m007 from './007-race-losses.ts';
import * as m008 from './008-pending-floor.ts';
import * as m009 from './009-leaderboard.ts';

const MIGRATIONS: Record<string, Migration> = {
  '001-ledger': m001,
  '002-audit': m002,
  '003-functions': m003,
  '004-batches': m004,
  '005-seal': m005,
  '006-hot-paths': m006,
  '007-race-losses': m007,
  '008-pending-floor': m008,
  '009-leaderboard': m009,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
