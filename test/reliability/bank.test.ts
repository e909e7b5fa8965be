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
import { invariants } from '../helpers/invariants.ts';

const PAYMENTS = Number(process.env.BANK_PAYMENTS ?? 400);

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
