/**
 * The embedded store's upkeep: ANALYZE at start, then by autovacuum's rule
 * (50 + 10% of the rows then counted); the server wires the ledger's
 * payments and seals to it. PostgreSQL gets none (its autovacuum does it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openStore, migrate, type Store } from '../../src/infra/db/database.ts';
import { StoreUpkeep } from '../../src/infra/db/upkeep.ts';
import { payVia, registerUser, startLedger } from '../helpers/ledger.ts';
import { postgresAvailable } from '../helpers/stores.ts';
import { waitFor } from '../helpers/wait.ts';

const silent = { warn: () => {} };

describe('store upkeep (PGlite)', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ kind: 'pglite', dataDir: null });
    await migrate(store.db);
  });
  after(async () => {
    await store.close();
  });

  const analyzed = async () =>
    (await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM pg_stats WHERE tablename = 'banks'`.execute(store.db)).rows[0]!.n;

  test('analyzes at start: the planner has statistics for the ledger tables', async () => {
    assert.equal(await analyzed(), 0n, 'no statistics before');
    const upkeep = new StoreUpkeep(store.db, silent, 60_000);
    await upkeep.start(); // resolves when that first ANALYZE is done (the server does not wait for it)
    assert.equal(upkeep.runs, 1);
    assert.ok((await analyzed()) > 0n, 'statistics after');
    await upkeep.close();
  });

  test('the first ANALYZE can wait: start(afterMs) runs it later, and not at all once closed', async () => {
    const later = new StoreUpkeep(store.db, silent, 60_000);
    const started = later.start(30);
    assert.equal(later.runs, 0, 'not yet');
    await started;
    assert.equal(later.runs, 1);
    await later.close();
    const never = new StoreUpkeep(store.db, silent, 60_000);
    void never.start(30);
    await never.close();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(never.runs, 0);
  });

  test('VACUUM (FREEZE) once the oldest unfrozen transaction id is old enough, not before; the schedule runs it', async () => {
    const age = async () =>
      Number((await sql<{ a: number }>`SELECT age(datfrozenxid)::float8 AS a FROM pg_database WHERE datname = current_database()`.execute(store.db)).rows[0]!.a);
    for (let i = 0; i < 20; i++) await sql`UPDATE banks SET balance_paise = balance_paise WHERE code = 'SBI'`.execute(store.db);
    const before = await age();
    const young = new StoreUpkeep(store.db, silent, 60_000, { afterXids: before + 1_000_000 });
    await young.freezeIfDue();
    assert.equal(young.freezes, 0, 'not yet due');
    const old = new StoreUpkeep(store.db, silent, 60_000, { afterXids: 1 });
    await old.freezeIfDue();
    assert.equal(old.freezes, 1);
    assert.ok((await age()) < before, `the oldest unfrozen id got younger: ${before} → ${await age()}`);
    const timed = new StoreUpkeep(store.db, silent, 10, { afterXids: 1, checkEveryMs: 0 });
    await timed.start();
    for (let i = 0; i < 200 && timed.freezes === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await timed.close();
    assert.ok(timed.freezes >= 1, 'the schedule froze');
    await young.close();
    await old.close();
  });

  test("again only when the changes pass autovacuum's threshold: 50 + 10% of the rows counted at the last run", async () => {
    const upkeep = new StoreUpkeep(store.db, silent, 60_000);
    await upkeep.analyze();
    assert.equal(upkeep.due, false);
    upkeep.changed(50);
    assert.equal(upkeep.due, false, '50 changes on an empty table are not enough');
    upkeep.changed(1);
    assert.equal(upkeep.due, true);
    await upkeep.analyze();
    assert.equal(upkeep.due, false, 'the changes counted before the run are spent');
    assert.equal(upkeep.runs, 2);
    await upkeep.close();
    await upkeep.analyze();
    assert.equal(upkeep.runs, 2, 'nothing after close');
  });

  test('a failed ANALYZE is logged and does not throw', async () => {
    const warnings: string[] = [];
    const closed = await openStore({ kind: 'pglite', dataDir: null });
    await closed.close();
    const upkeep = new StoreUpkeep(closed.db, { warn: (_o, m) => warnings.push(m) }, 60_000);
    await upkeep.analyze();
    assert.deepEqual(warnings, ['ANALYZE failed']);
    assert.equal(upkeep.runs, 0);
  });
});

describe('the server counts its changes for the upkeep', () => {
  test('payments and seals on PGlite make an ANALYZE due; PostgreSQL has no upkeep', async () => {
    const L = await startLedger('pglite', { env: { BATCH_SIZE: '10' } });
    try {
      const upkeep = L.upkeep;
      assert.ok(upkeep, 'PGlite gets an upkeep');
      await waitFor('the ANALYZE at start (start-up does not wait for it)', async () => upkeep.runs === 1);
      const [a, b] = [await registerUser(L, '1000.00'), await registerUser(L, '1.00')];
      for (let i = 0; i < 51; i++) assert.equal((await payVia(L, a, b.userIdx, '1.00')).statusCode, 201);
      assert.equal(upkeep.due, true);
    } finally {
      await L.stop();
    }
    if (await postgresAvailable()) {
      const P = await startLedger('postgres');
      try {
        assert.equal(P.upkeep, null);
      } finally {
        await P.stop();
        await P.testStore.drop();
      }
    }
  });
});
