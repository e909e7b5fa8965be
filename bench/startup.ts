/**
 * Start-up: process start to the first successful request (/health/ready),
 * the way `npm start` runs the server (the start-up bundle; BENCH_SOURCE=1
 * runs the TypeScript through tsx instead), with a fresh data directory and
 * again with the existing one. The start-up bundle is built before timing.
 *   npm run bench -- startup [--runs 5] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flag, output, round, startFlags, startServer, summary } from './lib.ts';

export async function run(args: string[]): Promise<void> {
  const runs = flag(args, '--runs', 5);
  const env = { SYSTEM_MINER: 'off' };
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'idx-bench-'));
    const first = await startServer(env, { dataDir });
    fresh.push(first.readyMs);
    await first.stop();
    const again = await startServer(env, { dataDir });
    existing.push(again.readyMs);
    await again.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const f = summary(fresh);
  const e = summary(existing);
  const result = {
    bench: 'startup',
    entry: process.env.BENCH_SOURCE ? 'tsx src/cli/server.ts' : `node ${[...startFlags(), 'scripts/start.mjs'].join(' ')} (npm start)`,
    runs,
    fresh_ms: { median: f.p50, max: round(Math.max(...fresh)) },
    existing_ms: { median: e.p50, max: round(Math.max(...existing)), all: existing.map((x) => round(x)) },
  };
  output(args, result, [{ runs, 'fresh median ms': f.p50, 'fresh max ms': result.fresh_ms.max, 'existing median ms': e.p50, 'existing max ms': result.existing_ms.max }]);
}
