/**
 * The pending floor (migration 008): the reads of the oldest pending
 * payments start at chain_state.pending_floor, below which nothing is
 * pending, so they do not walk the settled payments' dead index entries;
 * and every payment takes its seq under the audit head's lock, so a payment
 * committed after the floor moved is above it (on PostgreSQL too).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { storeKinds } from '../helpers/stores.ts';
import { assertConserved, mineOnce, payVia, registerUser, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';
import { countPending, oldestPending } from '../../src/infra/db/repos/payments.ts';

for (const kind of await storeKinds()) {
  describe(`pending floor on ${kind}`, () => {
    let L: TestLedger;
    let a: TestUser;
    let b: TestUser;
    before(async () => {
      L = await startLedger(kind, { env: { BATCH_SIZE: '400' } });
      a = await registerUser(L, '1000000.00');
      b = await registerUser(L, '1000.00');
    });
    after(async () => {
      await L.stop();
      await L.testStore.drop();
    });

    const floor = async () => (await sql<{ f: bigint }>`SELECT pending_floor AS f FROM chain_state WHERE id = 1`.execute(L.store.db)).rows[0]!.f;
    const minPending = async () =>
      (await sql<{ s: bigint | null }>`SELECT min(seq) AS s FROM transactions WHERE status = 'pending'`.execute(L.store.db)).rows[0]!.s;
    const maxSeq = async () => (await sql<{ s: bigint }>`SELECT max(seq) AS s FROM transactions`.execute(L.store.db)).rows[0]!.s;
    const pay = async (n: number) => {
      for (let i = 0; i < n; i++) assert.equal((await payVia(L, a, b.userIdx, '1.00')).statusCode, 201);
    };

    test('the floor follows the oldest pending payment; payments taken after it moved are read', async () => {
      await pay(3);
      assert.ok((await floor()) <= (await minPending())!);
      await mineOnce(L, a.userIdx);
      assert.equal(await minPending(), null);
      assert.equal(await floor(), (await maxSeq()) + 1n, 'with none pending, past the block');
      assert.deepEqual(await oldestPending(L.store.db, 10), []);
      await pay(1);
      assert.equal((await oldestPending(L.store.db, 10)).length, 1, 'a payment after the floor moved is read');
      assert.equal((await countPending(L.store.db)).count, 1);
      await pay(500); // 501 pending: a block of 400 leaves 101
      await mineOnce(L, a.userIdx);
      assert.equal(await floor(), await minPending(), 'at the oldest payment still pending');
      assert.equal((await oldestPending(L.store.db, 1))[0]!.seq, await floor());
      assert.equal((await countPending(L.store.db)).count, 101);
      await mineOnce(L, a.userIdx);
      assert.equal((await countPending(L.store.db)).count, 0);
      await assertConserved(L.store.db);
    });

    if (kind === 'pglite') {
      // The embedded store never vacuums: what the floor saves is visible in the pages a read touches.
      test('a read of the oldest pending payments does not walk the settled ones', async () => {
        for (let round = 0; round < 4; round++) {
          await pay(400);
          await mineOnce(L, a.userIdx);
        }
        await pay(1);
        // Pages of the payments table and its indexes a call reads, from the statistics (flushed on demand).
        const pagesRead = async (read: () => Promise<unknown>) => {
          const seen = async () => {
            await sql`SELECT pg_stat_force_next_flush()`.execute(L.store.db);
            await sql`SELECT 1`.execute(L.store.db); // the flush happens at the end of a statement
            const r = await sql<{ n: bigint }>`SELECT heap_blks_hit + heap_blks_read + idx_blks_hit + idx_blks_read AS n FROM pg_statio_user_tables WHERE relname = 'transactions'`.execute(L.store.db);
            return Number(r.rows[0]!.n);
          };
          const before = await seen();
          await read();
          return (await seen()) - before;
        };
        const settled = await pagesRead(() => sql`SELECT * FROM transactions WHERE status = 'pending' ORDER BY seq LIMIT 10`.execute(L.store.db));
        const oldest = await pagesRead(() => oldestPending(L.store.db, 10));
        const counted = await pagesRead(() => countPending(L.store.db));
        assert.ok(settled >= 8, `a read from the start walks the settled payments: ${settled} pages`);
        assert.ok(oldest <= 4, `oldestPending reads from the floor: ${oldest} pages`);
        assert.ok(counted <= 4, `countPending reads from the floor: ${counted} pages`);
      });
    }

    if (kind === 'postgres') {
      test('a single payment takes its seq under the audit head lock (seqs commit in order)', async () => {
        const url = L.testStore.url!;
        const holder = new pg.Client({ connectionString: url });
        const payer = new pg.Client({ connectionString: url });
        await holder.connect();
        await payer.connect();
        try {
          const seqName = "pg_get_serial_sequence('transactions', 'seq')";
          const last = async () => BigInt((await holder.query(`SELECT last_value FROM ${(await holder.query(`SELECT ${seqName} AS s`)).rows[0].s}`)).rows[0].last_value);
          await pay(1); // the sequence has a value to compare
          await holder.query('BEGIN');
          await holder.query('SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
          const seqBefore = await last();
          const pid = (await payer.query('SELECT pg_backend_pid() AS p')).rows[0].p as number;
          const txId = `TX_${randomBytes(16).toString('hex')}`;
          const paid = payer.query<{ outcome: string }>(`SELECT * FROM idx_pay($1, $2, $3, 100, 2, 1, 1, NULL, NULL, $4, '{}')`, [
            txId,
            a.userIdx,
            b.userIdx,
            new Date().toISOString(),
          ]);
          await waitFor('the payment waits for the lock', async () => (await holder.query(`SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1`, [pid])).rows[0]?.w === 'Lock');
          assert.equal(await last(), seqBefore, 'no seq taken while waiting for the audit head');
          await holder.query('ROLLBACK');
          assert.equal((await paid).rows[0]?.outcome, 'ok');
          assert.ok((await last()) > seqBefore);
        } finally {
          await holder.end();
          await payer.end();
        }
        await assertConserved(L.store.db);
      });
    }
  });
}
