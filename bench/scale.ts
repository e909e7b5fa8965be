/**
 * Scale: N registered active miners while the ledger works at a steady
 * offered load (the seed's defaults: difficulty 4, batches of 10). Reports
 * memory per miner (after full collections in the server, memory.ts: RSS and
 * the main thread's live heap with N miners racing minus before they joined,
 * over N), leaderboard p50/p99 sampled throughout the window, the
 * coordinator's round build p50/p99 on a solution (the solution, or the seal
 * that returned the next template, to the next round handed to every thread),
 * rounds whose template was read from the store, and the blocks sealed in
 * the window. Then payments at `--handoff-rate` until `--handoffs` (256)
 * solutions had a next round known (at most `--handoff-seconds`): the
 * hand-off p50/p99 (a solution found on a thread to the next round hashed
 * on every thread, when its payments were known: the coordinator's overhead) over the last 256; the
 * same from the stage for rounds whose last payments came after the solution
 * (late stages); and the solutions whose next round waited for a seal
 * instead (store waits).
 *   npm run bench -- scale [--miners 100,1000,10000] [--rate 100] [--seconds 10] [--handoff-rate 1000] [--handoffs 256] [--handoff-seconds 60] [--difficulty 4] [--batch 10] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flag, newUser, request, startServer, summary, output, round, cpuModel, type BenchUser } from './lib.ts';
import { serverMemoryArgs, settledMemory } from './memory.ts';

interface PoolStatusBody {
  pool: {
    active_miners: number;
    round_build_ms: { p50: number; p99: number };
    template_round_ms: { p50: number; p99: number };
    handoff_ms: { p50: number; p99: number };
    late_handoff_ms: { p50: number; p99: number };
    late_stages: number;
    handoffs: number;
    handoffs_over_1ms: number;
    store_waits: number;
    threads: number;
    threads_active?: number;
    blocks_sealed: number;
  };
}

async function status(url: string): Promise<PoolStatusBody> {
  return (await request(`${url}/api/mining/pool-status`, 'GET')).body as PoolStatusBody;
}

/** Payments of 0.01 between the users at `rate` per second for `seconds`; resolves when all are answered. */
async function offer(url: string, users: BenchUser[], rate: number, seconds: number): Promise<void> {
  const n = users.length;
  const t0 = Date.now();
  const end = t0 + seconds * 1000;
  const payments: Array<Promise<unknown>> = [];
  for (let sent = 0; Date.now() < end; ) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    for (; sent < due; sent++) {
      const from = users[sent % n]!;
      const to = users[(sent * 7 + 1) % n === sent % n ? (sent + 1) % n : (sent * 7 + 1) % n]!;
      payments.push(request(`${url}/api/transactions`, 'POST', { receiver_idx: to.userIdx, amount: '0.01' }, from.headers).catch(() => null));
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(payments);
}

async function once(n: number, args: string[]) {
  const big = '100000000 per hour';
  const rate = flag(args, '--rate', 100);
  const seconds = flag(args, '--seconds', 10);
  const memFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'idx-bench-mem-')), 'memory.json');
  const server = await startServer({
    BENCH_MEMORY_FILE: memFile,
    SCRYPT_COST: '1024',
    MAX_MINERS: String(n),
    DIFFICULTY: String(flag(args, '--difficulty', 4)),
    BATCH_SIZE: String(flag(args, '--batch', 10)),
    SYSTEM_MINER: 'off',
    RATE_LIMIT_MINING_START: big,
    RATE_LIMIT_LEADERBOARD: big,
    RATE_LIMIT_POOL_STATUS: big,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  }, { nodeArgs: serverMemoryArgs });
  try {
    const users: BenchUser[] = [];
    for (let i = 0; i < n; i++) users.push(await newUser(server.url, '1000.00'));
    const before = await settledMemory(server.proc.pid!, memFile);
    for (const u of users) {
      const r = await request(`${server.url}/api/mining/start`, 'POST', undefined, u.headers);
      if (r.status !== 200) throw new Error(`start: ${r.status}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = await settledMemory(server.proc.pid!, memFile);
    const sealedBefore = (await status(server.url)).pool.blocks_sealed;
    // The window: payments at `rate` per second while the leaderboard is read over and over.
    const end = Date.now() + seconds * 1000;
    const paying = offer(server.url, users, rate, seconds);
    const lat: number[] = [];
    for (let i = 0; Date.now() < end; i++) {
      lat.push((await request(`${server.url}/api/mining/leaderboard?limit=100&sort_by=${i % 2 ? 'fees' : 'blocks'}`, 'GET')).ms);
      await new Promise((r) => setTimeout(r, 20));
    }
    await paying;
    const lb = summary(lat);
    const st = await status(server.url);
    // The hand-off: at 100/s most solutions leave nothing pending, so no round follows at once.
    // At `--handoff-rate` more have a next round; payments are offered in 5 s steps until the
    // `--handoffs` hand-offs (256: the pool's p99 is over its last 256) fall in this phase, or
    // `--handoff-seconds` have passed.
    const phaseEnd = Date.now() + flag(args, '--handoff-seconds', 60) * 1000;
    const handoffs = flag(args, '--handoffs', 256);
    const handoffRate = flag(args, '--handoff-rate', 1000);
    let ho = st;
    do {
      await offer(server.url, users, handoffRate, 5);
      await new Promise((r) => setTimeout(r, 500));
      ho = await status(server.url);
    } while (ho.pool.handoffs - st.pool.handoffs < handoffs && Date.now() < phaseEnd);
    return {
      miners: n,
      active: st.pool.active_miners,
      rss_before_mb: round(before.rssKb / 1024),
      rss_after_mb: round(after.rssKb / 1024),
      kb_per_miner: round((after.rssKb - before.rssKb) / n),
      live_kb_per_miner: round((after.liveKb - before.liveKb) / n),
      offered_per_second: rate,
      blocks_in_window: st.pool.blocks_sealed - sealedBefore,
      leaderboard_ms: { p50: lb.p50, p99: lb.p99, n: lb.n },
      round_build_ms: st.pool.round_build_ms,
      template_round_ms: st.pool.template_round_ms,
      handoff_phase_blocks: ho.pool.blocks_sealed - st.pool.blocks_sealed,
      handoff_phase_store_waits: ho.pool.store_waits - st.pool.store_waits,
      handoff_phase_late_stages: ho.pool.late_stages - st.pool.late_stages,
      handoff_phase_handoffs: ho.pool.handoffs - st.pool.handoffs,
      handoff_phase_over_1ms: ho.pool.handoffs_over_1ms - st.pool.handoffs_over_1ms,
      handoff_ms: ho.pool.handoff_ms,
      late_handoff_ms: ho.pool.late_handoff_ms,
      threads: ho.pool.threads,
      threads_active: ho.pool.threads_active,
    };
  } finally {
    await server.stop();
    rmSync(path.dirname(memFile), { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--miners');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : [100, 1000];
  const results = [];
  for (const n of sizes) results.push(await once(n, args));
  output(
    args,
    { bench: 'scale', store: process.env.DATABASE_URL ? 'postgres' : 'pglite', cpu: cpuModel(), results },
    results.map((r) => ({
      miners: r.miners,
      'KB/miner': r.kb_per_miner,
      'live KB/miner': r.live_kb_per_miner,
      blocks: r.blocks_in_window,
      'leaderboard p99 ms': r.leaderboard_ms.p99,
      'round build p50 ms': r.round_build_ms.p50,
      'round build p99 ms': r.round_build_ms.p99,
      'template round p99 ms': r.template_round_ms.p99,
      'hand-off p50 ms': r.handoff_ms.p50,
      'hand-off p99 ms': r.handoff_ms.p99,
      'phase hand-offs > 1 ms': `${r.handoff_phase_over_1ms}/${r.handoff_phase_handoffs}`,
      'late hand-off p99 ms': r.late_handoff_ms.p99,
      'store waits, late stages/blocks': `${r.handoff_phase_store_waits}, ${r.handoff_phase_late_stages}/${r.handoff_phase_blocks}`,
    })),
  );
}
