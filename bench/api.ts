/**
 * Read endpoints against a bare Fastify "hello" served by the same Node in the
 * same run: requests per second and p50/p99, idle and with every core mining.
 *   npm run bench -- api [--requests 4000] [--concurrency 32] [--json]
 */
import { spawn } from 'node:child_process';
import { freePort, request, startServer, summary, newUser, flag, output, round, cpuModel } from './lib.ts';

async function load(url: string, headers: Record<string, string>, n: number, concurrency: number) {
  const lat: number[] = [];
  let i = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < n) {
        i++;
        const r = await request(url, 'GET', undefined, headers);
        if (r.status !== 200) throw new Error(`${url}: ${r.status}`);
        lat.push(r.ms);
      }
    }),
  );
  const s = summary(lat);
  return { rps: Math.round(n / ((performance.now() - t0) / 1000)), p50: s.p50, p99: s.p99 };
}

export async function run(args: string[]): Promise<void> {
  const n = flag(args, '--requests', 4000);
  const conc = flag(args, '--concurrency', 32);
  const port = await freePort();
  const bare = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts'], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const big = '100000000 per hour';
  const server = await startServer({
    SCRYPT_COST: '1024',
    DIFFICULTY: '9', // mining never finishes during the run: every core stays busy
    SYSTEM_MINER: 'off',
    RATE_LIMIT_MINING_STATS: big,
    RATE_LIMIT_LEADERBOARD: big,
    RATE_LIMIT_POOL_STATUS: big,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  try {
    for (let i = 0; i < 100; i++) {
      const r = await request(`http://127.0.0.1:${port}/hello`, 'GET').catch(() => null);
      if (r?.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const a = await newUser(server.url);
    const b = await newUser(server.url);
    const tx = await request(`${server.url}/api/transactions`, 'POST', { receiver_idx: b.userIdx, amount: '1.00' }, a.headers);
    const txId = (tx.body as { transaction: { tx_id: string } }).transaction.tx_id;
    const targets: Array<[string, string, Record<string, string>]> = [
      ['bare fastify hello', `http://127.0.0.1:${port}/hello`, {}],
      ['GET /api/mining/pool-status', `${server.url}/api/mining/pool-status`, {}],
      ['GET /api/mining/leaderboard', `${server.url}/api/mining/leaderboard`, {}],
      ['GET /api/mining/stats', `${server.url}/api/mining/stats`, a.headers],
      ['GET /api/transactions/:id', `${server.url}/api/transactions/${txId}`, a.headers],
    ];
    const rows: Array<Record<string, unknown>> = [];
    const results: Record<string, Record<string, unknown>> = {};
    for (const phase of ['idle', 'mining'] as const) {
      if (phase === 'mining') {
        // Ten miners race on the pending payment at a difficulty no one reaches during the run.
        for (let i = 0; i < 10; i++) {
          const m = await newUser(server.url, '1.00');
          await request(`${server.url}/api/mining/start`, 'POST', undefined, m.headers);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      let bareRps = 0;
      for (const [name, url, headers] of targets) {
        const r = await load(url, headers, n, conc);
        if (name.startsWith('bare')) bareRps = r.rps;
        const key = `${phase} ${name}`;
        results[key] = { ...r, ratio_to_bare: round(r.rps / bareRps) };
        rows.push({ phase, endpoint: name, 'req/s': r.rps, 'p50 ms': r.p50, 'p99 ms': r.p99, 'vs bare': round(r.rps / bareRps) });
      }
    }
    const status = await request(`${server.url}/api/mining/pool-status`, 'GET');
    output(args, { bench: 'api', cpu: cpuModel(), store: process.env.DATABASE_URL ? 'postgres' : 'pglite', pool: (status.body as { pool: unknown }).pool, results }, rows);
  } finally {
    await server.stop();
    bare.kill('SIGTERM');
  }
}
