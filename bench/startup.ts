/**
 * Start-up: process start to the first successful request (/health/ready),
 * with a fresh data directory and again with the existing one.
 *   npm run bench -- startup [--json]
 */
import { startServer, output, round } from './lib.ts';

export async function run(args: string[]): Promise<void> {
  const env = { SYSTEM_MINER: 'off' };
  const fresh = await startServer(env);
  await fresh.stop();
  const again = await startServer(env, { dataDir: fresh.dataDir });
  await again.stop();
  const third = await startServer(env, { dataDir: fresh.dataDir });
  await third.stop();
  const result = { bench: 'startup', fresh_ms: round(fresh.readyMs), existing_ms: round(Math.min(again.readyMs, third.readyMs)) };
  output(args, result, [result]);
}
