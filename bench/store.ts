/**
 * The store's own work per settled payment, alone: no HTTP, no hashing
 * threads, no client sharing the cores. A ledger in this process (PGlite on
 * this thread, or PostgreSQL with DATABASE_URL) takes blocks of `--batch`
 * payments through the app's own paths: the holds as one group commit
 * (idx_pay_many, through the hold batcher), then the block sealed (the banks'
 * view, the write, the next template read, as the pool asks for it).
 * Reported: µs per payment for the holds and for the seal, and a fixed
 * integer loop timed in the same run (the machine's speed: compare runs by
 * the ratio).
 *   npm run bench -- store [--blocks 1500] [--batch 10] [--memory] [--json]
 */
import { rmSync } from 'node:fs';
import { createLedger } from '../src/compose.ts';
import { parseConfig } from '../src/infra/config.ts';
import { sealBlock } from '../src/app/seal.ts';
import { pay } from '../src/app/payments.ts';
import type { PaymentRow } from '../src/infra/db/repos/payments.ts';
import { candidate, registerUser, tempDir, type TestUser } from '../test/helpers/ledger.ts';
import { cpuModel, flag, output, round } from './lib.ts';

/** A fixed amount of integer work (ms): the machine's speed in this run. */
function reference(): number {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 1e8; i++) x += i;
  if (x < 0) throw new Error('unreachable');
  return performance.now() - t;
}

export async function run(args: string[]): Promise<void> {
  const blocks = flag(args, '--blocks', 1500);
  const batch = flag(args, '--batch', 10);
  const url = process.env.DATABASE_URL;
  const config = parseConfig({
    DATA_DIR: tempDir('idx-bench-store-'),
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
    SCRYPT_COST: '1024',
    DIFFICULTY: '1',
    BATCH_SIZE: String(batch),
    LOG_LEVEL: 'silent',
    SYSTEM_MINER: 'off',
    MINING_THREADS: '0',
    ...(url ? { DATABASE_URL: url } : {}),
  });
  // --memory: PGlite's files in memory (no file system writes: steadier figures for comparing SQL).
  const store = url ? { kind: 'postgres' as const, url } : { kind: 'pglite' as const, dataDir: args.includes('--memory') ? null : config.dataDir, thread: false };
  const ledger = await createLedger({ config, store, logger: false });
  try {
    const users: TestUser[] = [];
    for (let i = 0; i < 100; i++) users.push(await registerUser(ledger, '10000000.00'));
    const miner = users[0]!.userIdx;
    const racing = users.slice(1, 4).map((u) => u.userIdx);
    const ref0 = reference();
    let holdMs = 0;
    let sealMs = 0;
    let n = 0;
    const warmup = Math.min(100, Math.floor(blocks / 5));
    for (let b = 0; b < warmup + blocks; b++) {
      const t0 = performance.now();
      const paid = await Promise.all(
        Array.from({ length: batch }, (_, k) => {
          // Sender i pays i + 6k + 1 (never itself: 6k + 1 is odd, the 100 users an even count).
          const from = users[(b * batch + k) % users.length]!;
          const to = users[(b * batch + k * 7 + 1) % users.length]!;
          return pay(ledger.deps, { senderIdx: from.userIdx, receiver_idx: to.userIdx, amount: '1.00', idempotencyKey: null });
        }),
      );
      const t1 = performance.now();
      const txs = paid.map((p) => p.payment as PaymentRow);
      const block = await candidate(ledger, miner, { txs });
      const t2 = performance.now();
      const r = await sealBlock(ledger.deps, { block, racingMiners: racing, miningTimeMs: 5, nextBatch: batch + Math.max(batch, Math.min(3 * batch, 64)) });
      const t3 = performance.now();
      if (!r.accepted) throw new Error(`block ${b} refused: ${r.reason}`);
      if (b >= warmup) {
        holdMs += t1 - t0;
        sealMs += t3 - t2;
        n += batch;
      }
    }
    const ref = Math.min(ref0, reference());
    const result = {
      bench: 'store',
      store: url ? 'postgres' : 'pglite',
      cpu: cpuModel(),
      blocks,
      batch,
      hold_us_per_payment: round((1000 * holdMs) / n, 1),
      seal_us_per_payment: round((1000 * sealMs) / n, 1),
      store_us_per_payment: round((1000 * (holdMs + sealMs)) / n, 1),
      reference_ms: round(ref, 1),
    };
    output(args, result, [
      { phase: 'holds (idx_pay_many)', 'µs/payment': result.hold_us_per_payment },
      { phase: 'seal (view + write + next)', 'µs/payment': result.seal_us_per_payment },
      { phase: 'both', 'µs/payment': result.store_us_per_payment },
      { phase: 'reference loop (ms)', 'µs/payment': result.reference_ms },
    ]);
  } finally {
    await ledger.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}
