/**
 * End to end: users pay each other at a steady offered load over real HTTP
 * while miners seal. Reports settled payments per second over the window
 * (from the blocks sealed in it), acceptance latency (request to 201) and
 * confirmation latency (created_at to confirmed_at, a sample of payments).
 *   npm run bench -- e2e [--seconds 60] [--rate 1200] [--batch 10] [--miners 10] [--users 50] [--difficulty 4] [--json]
 *   --batches 10,100,1000 runs one after another.
 */
import { flag, newUser, output, request, round, startServer, summary, cpuModel, type BenchUser } from './lib.ts';

interface E2eResult {
  batch: number;
  offered_per_second: number;
  accepted: number;
  refused: number;
  settled_per_second: number;
  acceptance_ms: { p50: number; p99: number };
  confirmation_ms: { p50: number; p99: number; sampled: number };
  unconfirmed_after_drain: number;
  blocks: number;
}

async function once(args: string[], batch: number): Promise<E2eResult> {
  const seconds = flag(args, '--seconds', 60);
  const rate = flag(args, '--rate', 1200);
  const minersN = flag(args, '--miners', 10);
  const usersN = flag(args, '--users', 50);
  const difficulty = flag(args, '--difficulty', 4);
  const env: Record<string, string> = {
    DIFFICULTY: String(difficulty),
    BATCH_SIZE: String(batch),
    SCRYPT_COST: '1024',
    MAX_MINERS: String(Math.max(100, minersN)),
    SYSTEM_MINER: minersN === 0 ? 'on' : 'off',
    SYSTEM_MINER_GRACE_SECONDS: '0',
  };
  if (process.env.DATABASE_URL) env.DATABASE_URL = process.env.DATABASE_URL;
  const server = await startServer(env);
  try {
    const users: BenchUser[] = [];
    for (let i = 0; i < usersN; i++) users.push(await newUser(server.url));
    const miners: BenchUser[] = [];
    for (let i = 0; i < minersN; i++) {
      const m = await newUser(server.url, '1.00');
      const r = await request(`${server.url}/api/mining/start`, 'POST', undefined, m.headers);
      if (r.status !== 200) throw new Error(`mining/start: ${r.status}`);
      miners.push(m);
    }
    const accepted: Array<{ id: string; ms: number; from: BenchUser }> = [];
    let refused = 0;
    let inflight = 0;
    const maxInflight = 512;
    const t0 = Date.now();
    const end = t0 + seconds * 1000;
    let sent = 0;
    const pending: Array<Promise<void>> = [];
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      while (sent < due && inflight < maxInflight) {
        sent++;
        const from = users[Math.floor(Math.random() * users.length)]!;
        let to = users[Math.floor(Math.random() * users.length)]!;
        if (to === from) to = users[(users.indexOf(from) + 1) % users.length]!;
        inflight++;
        const p = request(`${server.url}/api/transactions`, 'POST', { receiver_idx: to.userIdx, amount: '1.00' }, from.headers)
          .then((r) => {
            if (r.status === 201) accepted.push({ id: (r.body as { transaction: { tx_id: string } }).transaction.tx_id, ms: r.ms, from });
            else refused++;
          })
          .catch(() => {
            refused++;
          })
          .finally(() => {
            inflight--;
          });
        pending.push(p);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(pending);
    const windowEnd = Date.now();
    // Let the pool drain what is pending (bounded).
    const drainUntil = Date.now() + 30_000;
    const lastId = accepted.at(-1)?.id;
    while (lastId && Date.now() < drainUntil) {
      const st = await request(`${server.url}/api/mining/pool-status`, 'GET');
      const h = (st.body as { pool: { mining_height: number | null } }).pool.mining_height;
      if (h === null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Blocks sealed within the load window.
    let settled = 0;
    let blocks = 0;
    let before: number | null = null;
    for (;;) {
      const q = before === null ? '' : `&before=${before}`;
      const r = await request(`${server.url}/api/blocks?limit=100${q}`, 'GET');
      const list = (r.body as { blocks: Array<{ height: number; tx_count: number; sealed_at: string }> }).blocks;
      if (list.length === 0) break;
      for (const b of list) {
        const at = Date.parse(b.sealed_at);
        if (at >= t0 && at <= windowEnd) {
          settled += b.tx_count;
          blocks++;
        }
      }
      before = list.at(-1)!.height;
      if (Date.parse(list.at(-1)!.sealed_at) < t0) break;
    }
    // Confirmation latency from a sample of acknowledged payments.
    const sample = accepted.filter((_, i) => i % Math.max(1, Math.floor(accepted.length / 2000)) === 0);
    const conf: number[] = [];
    let unconfirmed = 0;
    for (const s of sample) {
      const r = await request(`${server.url}/api/transactions/${s.id}`, 'GET', undefined, s.from.headers);
      const tx = r.status === 200 ? (r.body as { transaction: { created_at: string; confirmed_at: string | null } }).transaction : null;
      if (!tx || tx.confirmed_at === null) unconfirmed++;
      else conf.push(Date.parse(tx.confirmed_at) - Date.parse(tx.created_at));
    }
    const acc = summary(accepted.map((a) => a.ms));
    const c = summary(conf);
    return {
      batch,
      offered_per_second: rate,
      accepted: accepted.length,
      refused,
      settled_per_second: round(settled / ((windowEnd - t0) / 1000), 1),
      acceptance_ms: { p50: acc.p50, p99: acc.p99 },
      confirmation_ms: { p50: c.p50, p99: c.p99, sampled: c.n },
      unconfirmed_after_drain: unconfirmed,
      blocks,
    };
  } finally {
    await server.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--batches');
  const batches = i >= 0 ? args[i + 1]!.split(',').map(Number) : [flag(args, '--batch', 10)];
  const results: E2eResult[] = [];
  for (const b of batches) results.push(await once(args, b));
  output(
    args,
    { bench: 'e2e', store: process.env.DATABASE_URL ? 'postgres' : 'pglite', cpu: cpuModel(), seconds: flag(args, '--seconds', 60), results },
    results.map((r) => ({
      batch: r.batch,
      offered: r.offered_per_second,
      accepted: r.accepted,
      'settled/s': r.settled_per_second,
      'accept p50 ms': r.acceptance_ms.p50,
      'accept p99 ms': r.acceptance_ms.p99,
      'confirm p50 ms': r.confirmation_ms.p50,
      'confirm p99 ms': r.confirmation_ms.p99,
      blocks: r.blocks,
    })),
  );
}
