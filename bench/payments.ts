/**
 * The payment path alone (no mining): 32 concurrent clients over HTTP send
 * N payments; payments per second and latency.
 *   npm run bench -- payments [--payments 3000] [--json]   (DATABASE_URL: on PostgreSQL)
 */
import { startServer, newUser, request, summary, flag, output, round, cpuModel, type BenchUser } from './lib.ts';

export async function run(args: string[]): Promise<void> {
  const n = flag(args, '--payments', 3000);
  const s = await startServer({
    SCRYPT_COST: '1024',
    SYSTEM_MINER: 'off',
    MINING_THREADS: '0',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  try {
    const users: BenchUser[] = [];
    for (let i = 0; i < 20; i++) users.push(await newUser(s.url));
    let i = 0;
    const lat: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (i < n) {
          i++;
          const r = await request(`${s.url}/api/transactions`, 'POST', { receiver_idx: users[(i + 1) % 20]!.userIdx, amount: '1.00' }, users[i % 20]!.headers);
          if (r.status !== 201) throw new Error(`payment: ${r.status}`);
          lat.push(r.ms);
        }
      }),
    );
    const sec = (performance.now() - t0) / 1000;
    const l = summary(lat);
    const result = { bench: 'payments', store: process.env.DATABASE_URL ? 'postgres' : 'pglite', payments: n, per_second: round(n / sec, 1), p50_ms: l.p50, p99_ms: l.p99, cpu: cpuModel() };
    output(args, result, [result]);
  } finally {
    await s.stop();
  }
}
