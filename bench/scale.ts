/**
 * Scale: N registered active miners. Resident memory per miner (server RSS
 * with N miners racing minus before they started, over N), leaderboard
 * p50/p99, the coordinator's round build time p50/p99 (template read when
 * needed, N headers, start on every thread; joins included), and its
 * hand-off p50/p99: from a solution to the next round on every thread.
 *   npm run bench -- scale [--miners 100,1000] [--json]
 */
import { readFileSync } from 'node:fs';
import { newUser, request, startServer, summary, output, round, cpuModel, type BenchUser } from './lib.ts';

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function once(n: number) {
  const big = '100000000 per hour';
  const server = await startServer({
    SCRYPT_COST: '1024',
    MAX_MINERS: String(n),
    DIFFICULTY: '5',
    // One payment per block: many solutions, and a backlog throughout the window (the steady state).
    BATCH_SIZE: '1',
    SYSTEM_MINER: 'off',
    RATE_LIMIT_MINING_START: big,
    RATE_LIMIT_LEADERBOARD: big,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  try {
    const users: BenchUser[] = [];
    for (let i = 0; i < n; i++) users.push(await newUser(server.url, '1000.00'));
    await new Promise((r) => setTimeout(r, 1000));
    const before = rssKb(server.proc.pid!);
    for (const u of users) {
      const r = await request(`${server.url}/api/mining/start`, 'POST', undefined, u.headers);
      if (r.status !== 200) throw new Error(`start: ${r.status}`);
    }
    // Keep rounds coming: a backlog of payments for the miners to race on (hundreds of solutions' hand-offs).
    for (let i = 0; i < 1000; i++) await request(`${server.url}/api/transactions`, 'POST', { receiver_idx: users[(i + 1) % n]!.userIdx, amount: '1.00' }, users[i % n]!.headers);
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssKb(server.proc.pid!);
    const lat: number[] = [];
    for (let i = 0; i < 300; i++) lat.push((await request(`${server.url}/api/mining/leaderboard?limit=100&sort_by=${i % 2 ? 'fees' : 'blocks'}`, 'GET')).ms);
    const lb = summary(lat);
    const st = (await request(`${server.url}/api/mining/pool-status`, 'GET')).body as { pool: { active_miners: number; round_build_ms: { p50: number; p99: number }; handoff_ms: { p50: number; p99: number }; blocks_sealed: number } };
    return {
      miners: n,
      active: st.pool.active_miners,
      rss_before_mb: round(before / 1024),
      rss_after_mb: round(after / 1024),
      kb_per_miner: round((after - before) / n),
      leaderboard_ms: { p50: lb.p50, p99: lb.p99 },
      round_build_ms: st.pool.round_build_ms,
      handoff_ms: st.pool.handoff_ms,
      blocks_sealed: st.pool.blocks_sealed,
    };
  } finally {
    await server.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--miners');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : [100, 1000];
  const results = [];
  for (const n of sizes) results.push(await once(n));
  output(
    args,
    { bench: 'scale', cpu: cpuModel(), results },
    results.map((r) => ({ miners: r.miners, 'KB/miner': r.kb_per_miner, 'leaderboard p99 ms': r.leaderboard_ms.p99, 'round build p50 ms': r.round_build_ms.p50, 'round build p99 ms': r.round_build_ms.p99, 'hand-off p50 ms': r.handoff_ms.p50, 'hand-off p99 ms': r.handoff_ms.p99 })),
  );
}
