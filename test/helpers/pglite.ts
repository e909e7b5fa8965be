/** One in-memory PGlite for a test file (opening one costs ~3 s), BIGINT read as bigint by its own reader too. */
import { after, before } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { INT8_OID } from '../../src/infra/db/database.ts';

/** Opens it before the file's tests and closes it after them; call the result for it. */
export function embeddedForFile(): () => PGlite {
  let pg: PGlite | null = null;
  before(async () => {
    pg = new PGlite({ parsers: { [INT8_OID]: (v: string) => BigInt(v) } });
    await pg.waitReady;
  });
  after(async () => {
    await pg?.close();
  });
  return () => pg!;
}
