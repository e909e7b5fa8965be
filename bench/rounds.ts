/**
 * Rounds alone: the coordinator's work to build a round (the header from a
 * tip and a template, the roster's miner set) and hand it to every hashing
 * thread, timed without a server, a store or a client sharing the cores.
 * The first round of each size (which sends the miner set) is left out.
 *   npm run bench -- rounds [--miners 100,1000,10000] [--rounds 500] [--threads 2] [--json]
 */
import { randomBytes } from 'node:crypto';
import { createHasher } from '../src/mining/workers/index.ts';
import { selectEngine } from '../src/mining/engines/index.ts';
import { MinerRoster } from '../src/mining/pool/roster.ts';
import { buildJob } from '../src/mining/pool/round.ts';
import { vectorTx } from '../test/vectors/domain.ts';
import { cpuModel, flag, output, summary } from './lib.ts';

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--miners');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : [100, 1000, 10000];
  const rounds = flag(args, '--rounds', 500);
  const engine = selectEngine().name;
  const hasher = await createHasher({ threads: flag(args, '--threads', 2), engine });
  const txs = Array.from({ length: 10 }, (_, k) => vectorTx(k + 1));
  const results = [];
  try {
    for (const n of sizes) {
      const roster = new MinerRoster();
      for (let k = 0; k < n; k++) roster.add('IDX_' + randomBytes(16).toString('hex'));
      const times: number[] = [];
      for (let k = 0; k <= rounds; k++) {
        const tip = { height: BigInt(k), hash: randomBytes(32).toString('hex'), timestampMs: BigInt(Date.now()) };
        const t0 = performance.now();
        hasher.start(buildJob(k + 1, tip, txs, roster.full(), { difficulty: 30, nowMs: Date.now() }));
        if (k > 0) times.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5)); // the threads take the round up meanwhile
      }
      hasher.stop();
      results.push({ miners: n, rounds, build_ms: summary(times) });
    }
  } finally {
    await hasher.close();
  }
  output(
    args,
    { bench: 'rounds', engine, cpu: cpuModel(), results },
    results.map((r) => ({ miners: r.miners, rounds: r.rounds, 'build p50 ms': r.build_ms.p50, 'build p99 ms': r.build_ms.p99 })),
  );
}
