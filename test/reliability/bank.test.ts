/**
 * Jepsen's bank test, bounded: concurrent clients over real HTTP send random
 * payments (valid, overdrafts, self-payments, unknown receivers, duplicate
 * Idempotency-Keys) while miners race and blocks seal. During the run (one
 * consistent read) and after it, not one paisa is created or destroyed.
 * BANK_PAYMENTS sets the size.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { storeKinds } from '../helpers/stores.ts';
import { registerUser, startLedger, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';
import type { Executor } from '../../src/infra/db/database.ts';

const PAYMENTS = Number(process.env.BANK_PAYMENTS ?? 400);

async function invariants(db: Executor): Promise<void> {
  const r = await sql<Record<string, bigint | null>>`
    SELECT (SELECT sum(balance_paise) FROM users)::bigint AS users,
           (SELECT sum(amount_paise + fee_total_paise) FROM transactions WHERE status = 'pending')::bigint AS held,
           (SELECT sum(balance_paise) FROM banks)::bigint AS banks,
           (SELECT sum(initial_balance_paise) FROM users)::bigint AS initial,
           (SELECT count(*) FROM users WHERE balance_paise < 0)::bigint AS negative,
           (SELECT coalesce(sum(fee_miner_paise + fee_banks_paise), 0) FROM blocks)::bigint AS block_fees,
           (SELECT coalesce(sum(fee_total_paise), 0) FROM transactions WHERE status = 'confirmed')::bigint AS confirmed_fees,
           (SELECT coalesce(sum(credit_paise), 0) FROM block_verdicts)::bigint AS bank_credits,
           (SELECT coalesce(sum(tx_count), 0) FROM blocks)::bigint AS block_txs,
           (SELECT count(*) FROM transactions WHERE status = 'confirmed')::bigint AS confirmed`.execute(db);
  const x = r.rows[0]!;
  const n = (k: string) => BigInt(x[k] ?? 0n);
  assert.equal(n('users') + n('held') + n('banks'), n('initial'), 'conservation');
  assert.equal(n('negative'), 0n, 'no negative balance');
  assert.equal(n('block_fees'), n('confirmed_fees'), "every confirmed payment's fee credited exactly once");
  assert.equal(n('banks'), n('bank_credits'), 'bank balances are the sum of their credits');
  assert.equal(n('block_txs'), n('confirmed'), 'every confirmed payment is in exactly one block');
  const miners = await sql<{ user_idx: string; fees: string; earned: string }>`
    SELECT m.user_idx, (SELECT coalesce(sum(fee_miner_paise), 0) FROM blocks b WHERE b.miner_idx = m.user_idx)::text AS fees,
           (m.total_fees_earned * 100)::bigint::text AS earned
      FROM miner_statistics m`.execute(db);
  for (const m of miners.rows) assert.equal(m.fees, m.earned, `miner ${m.user_idx}: fees credited = total_fees_earned`);
}

for (const kind of await storeKinds()) {
  describe(`bank test over HTTP on ${kind}`, () => {
    test(`${PAYMENTS} random payments while miners race: conserved to the paisa`, async () => {
      const L: TestLedger = await startLedger(kind, { env: { MINING_THREADS: '1', DIFFICULTY: '3', BATCH_SIZE: '10' } });
      try {
        await L.app.listen({ port: 0, host: '127.0.0.1' });
        const base = `http://127.0.0.1:${(L.app.server.address() as { port: number }).port}`;
        const users: TestUser[] = [];
        for (let i = 0; i < 8; i++) users.push(await registerUser(L, String(50 + i * 25)));
        for (const m of users.slice(0, 3)) {
          const r = await fetch(`${base}/api/mining/start`, { method: 'POST', headers: m.auth });
          assert.equal(r.status, 200);
        }
        const acked = new Map<string, string>(); // tx_id -> sender
        const byKey = new Map<string, string>(); // idempotency key -> tx_id
        let sent = 0;
        let sampled = 0;
        const client = async (c: number) => {
          while (sent < PAYMENTS) {
            const i = sent++;
            const from = users[(i * 7 + c) % users.length]!;
            const pick = i % 10;
            const to =
              pick === 0 ? from.userIdx : pick === 1 ? 'IDX_' + 'e'.repeat(32) : users[(i * 3 + c + 1) % users.length]!.userIdx;
            const amount = pick === 2 ? '100000.00' : (((i * 37) % 2000) / 100 + 0.01).toFixed(2);
            const key = pick === 3 ? `dup-${from.userIdx}-${i % 5}` : `k-${i}`;
            const r = await fetch(`${base}/api/transactions`, {
              method: 'POST',
              headers: { ...from.auth, 'content-type': 'application/json', 'idempotency-key': key },
              body: JSON.stringify({ receiver_idx: to, amount }),
            });
            const body = (await r.json()) as { transaction?: { tx_id: string }; code?: string };
            if (r.status === 201) {
              const id = body.transaction!.tx_id;
              const seen = byKey.get(`${from.userIdx}/${key}`);
              if (seen) assert.equal(seen, id, 'a replayed key returns the first payment');
              byKey.set(`${from.userIdx}/${key}`, id);
              acked.set(id, from.userIdx);
            } else {
              assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${JSON.stringify(body)}`);
            }
            if (i % 50 === 0) {
              await invariants(L.store.db); // a sampled consistent read during the run
              sampled++;
            }
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
        assert.ok(sampled > 0);
        await waitFor('every payment confirmed', async () => {
          const r = await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM transactions WHERE status = 'pending'`.execute(L.store.db);
          return r.rows[0]!.n === 0n;
        }, 60_000);
        await invariants(L.store.db);
        const ids = await sql<{ tx_id: string }>`SELECT tx_id FROM transactions`.execute(L.store.db);
        const stored = new Set(ids.rows.map((r) => r.tx_id));
        for (const id of acked.keys()) assert.ok(stored.has(id), `acknowledged ${id} exists`);
        const v = await (await fetch(`${base}/api/chain/verify`)).json();
        assert.equal((v as { valid: boolean }).valid, true);
      } finally {
        await L.stop();
        await L.testStore.drop();
      }
    });
  });
}
