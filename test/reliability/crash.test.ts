/**
 * Crashes: the server (a child process) is killed with SIGKILL at a random
 * moment while it takes payments and seals blocks, then restarted. Every
 * acknowledged payment survives, a retry with the same Idempotency-Key gets
 * the same transaction, and the ledger is conserved to the paisa.
 * CRASH_CYCLES sets the size.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { startServer, newUser, request, type BenchUser, type Server } from '../../bench/lib.ts';
import { openStore, type StoreOptions } from '../../src/infra/db/database.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';
import { storeKinds, createPostgresStore } from '../helpers/stores.ts';
import { tempDir } from '../helpers/ledger.ts';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 3);

async function checkStore(opts: StoreOptions, acked: Map<string, string>): Promise<void> {
  const store = await openStore(opts);
  try {
    const t = await ledgerTotals(store.db);
    assert.equal(t.users + t.held + t.banks, t.initial, 'conserved after a crash');
    const rows = await sql<{ tx_id: string }>`SELECT tx_id FROM transactions`.execute(store.db);
    const have = new Set(rows.rows.map((r) => r.tx_id));
    for (const id of acked.keys()) assert.ok(have.has(id), `acknowledged payment ${id} survived`);
  } finally {
    await store.close();
  }
}

for (const kind of await storeKinds()) {
  describe(`SIGKILL on ${kind}`, () => {
    test(`${CYCLES} crash cycles while paying and sealing`, async () => {
      const dataDir = tempDir('idx-crash-');
      const pgStore = kind === 'postgres' ? await createPostgresStore() : null;
      const env: Record<string, string> = {
        SCRYPT_COST: '1024',
        DIFFICULTY: '3',
        MINING_THREADS: '1',
        SYSTEM_MINER: 'on',
        SYSTEM_MINER_GRACE_SECONDS: '0',
        JWT_SECRET: 'crash-test-secret-that-is-long-enough-0123',
        ...(pgStore ? { DATABASE_URL: pgStore.url! } : {}),
      };
      const storeOpts: StoreOptions = pgStore ? { kind: 'postgres', url: pgStore.url! } : { kind: 'pglite', dataDir };
      let server: Server = await startServer(env, { dataDir });
      const users: BenchUser[] = [];
      for (let i = 0; i < 5; i++) users.push(await newUser(server.url, '1000.00'));
      const acked = new Map<string, string>(); // key -> tx_id
      try {
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const url = server.url;
          let stop = false;
          const pending: Array<Promise<void>> = [];
          let i = 0;
          const loop = async (c: number) => {
            while (!stop) {
              const n = i++;
              const from = users[(n + c) % users.length]!;
              const to = users[(n + c + 1) % users.length]!;
              const key = `c${cycle}-${n}`;
              try {
                const r = await request(`${url}/api/transactions`, 'POST', { receiver_idx: to.userIdx, amount: '1.00' }, { ...from.headers, 'idempotency-key': key });
                if (r.status === 201) acked.set(`${from.userIdx}|${key}|${to.userIdx}`, (r.body as { transaction: { tx_id: string } }).transaction.tx_id);
              } catch {
                return; // the server died under us
              }
            }
          };
          for (let c = 0; c < 4; c++) pending.push(loop(c));
          await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
          server.proc.kill('SIGKILL');
          stop = true;
          await Promise.all(pending);
          await new Promise((r) => server.proc.once('exit', r));
          await checkStore(storeOpts, new Map([...acked.values()].map((id) => [id, id])));
          server = await startServer(env, { dataDir });
          // Retrying every acknowledged request with its key returns the same payment.
          for (const [k, id] of [...acked].slice(-20)) {
            const [senderIdx, key, receiverIdx] = k.split('|') as [string, string, string];
            const from = users.find((u) => u.userIdx === senderIdx)!;
            const r = await request(`${server.url}/api/transactions`, 'POST', { receiver_idx: receiverIdx, amount: '1.00' }, { ...from.headers, 'idempotency-key': key });
            assert.equal(r.status, 201);
            assert.equal((r.body as { transaction: { tx_id: string } }).transaction.tx_id, id, 'the same transaction, not a second one');
          }
        }
        assert.ok(acked.size > 0, 'payments were acknowledged');
      } finally {
        await server.stop();
        await checkStore(storeOpts, new Map([...acked.values()].map((id) => [id, id])));
        if (pgStore) await pgStore.drop();
      }
    });
  });
}
