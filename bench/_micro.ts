import { dump } from './_patch.ts';
import { startLedger, registerUser, testConfig, tempDir, candidate } from '../test/helpers/ledger.ts';
import { createPgliteStore } from '../test/helpers/stores.ts';
import { pay } from '../src/app/payments.ts';
import { sealBlock } from '../src/app/seal.ts';
const kind = (process.env.KIND ?? 'pglite') as 'pglite' | 'postgres';
const dir = process.env.MEM ? null : tempDir();
const ledger = await startLedger(kind, { env: { BATCH_SIZE: '10' }, ...(kind === 'pglite' ? { testStore: createPgliteStore(dir) } : {}) });
const users = [];
for (let i = 0; i < 20; i++) users.push(await registerUser(ledger, '1000000.00'));
const miner = await registerUser(ledger, '1.00');
const N = 3000;
let t = performance.now();
const C = Number(process.env.CONC ?? 1);
for (let i = 0; i < N; i += C) {
  await Promise.all(Array.from({ length: C }, (_, j) => { const a = users[(i + j) % 20]!, b = users[(i + j + 1) % 20]!;
  return pay(ledger.deps, { senderIdx: a.userIdx, receiver_idx: b.userIdx, amount: '1.00', idempotencyKey: null }); }));
}
const payUs = ((performance.now() - t) / N) * 1000;
let sealUs = 0; let solveUs = 0;
const S = 200;
for (let i = 0; i < S; i++) {
  const t0 = performance.now();
  const block = await candidate(ledger, miner.userIdx);
  const t1 = performance.now();
  const r = await sealBlock(ledger.deps, { block, racingMiners: [], miningTimeMs: 10, nextBatch: 10 });
  sealUs += (performance.now() - t1) * 1000; solveUs += (t1 - t0) * 1000;
  if (!r.accepted) throw new Error(JSON.stringify(r));
}
console.log(JSON.stringify({ kind, dir: dir !== null, pay_us: Math.round(payUs), seal_us: Math.round(sealUs / S), candidate_us: Math.round(solveUs / S) }));
dump();
const { sql } = await import('kysely');
for (const q of [sql`EXPLAIN (ANALYZE, BUFFERS) select * from transactions where status = ${'pending'} order by seq limit 10`, sql`EXPLAIN (ANALYZE, BUFFERS) UPDATE transactions SET status = 'pending' WHERE tx_id = 'x'`]) {
  const r = await q.execute(ledger.store.db); console.log((r.rows as any[]).map((x) => x['QUERY PLAN']).join('\n'));
}
await ledger.stop();
