/**
 * Rounds alone: the coordinator's own work, timed without a server, a store
 * or a client sharing the cores.
 * - build: a round built (the header from a tip and a template, the
 *   roster's miner set) and handed to every hashing thread; the first round
 *   of each size (which sends the miner set) is left out.
 * - hand-off: blocks mined at `--difficulty` one after another, from a
 *   solution found on a thread to the next round hashed on every thread:
 *   by the chain (the next round staged, the threads start it themselves)
 *   and by this side starting it on the solution, as without a stage.
 *   npm run bench -- rounds [--miners 100,1000,10000] [--rounds 500] [--blocks 300] [--difficulty 4] [--threads 2] [--nice 19] [--json]
 */
import { randomBytes } from 'node:crypto';
import { createHasher } from '../src/mining/workers/index.ts';
import { selectEngine } from '../src/mining/engines/index.ts';
import { MinerRoster } from '../src/mining/pool/roster.ts';
import { buildJob } from '../src/mining/pool/round.ts';
import type { Hasher, MiningJob, Solution } from '../src/mining/workers/types.ts';
import type { MinerSet } from '../src/mining/workers/types.ts';
import { vectorTx } from '../test/vectors/domain.ts';
import { cpuModel, flag, output, summary } from './lib.ts';

const txs = Array.from({ length: 10 }, (_, k) => vectorTx(k + 1));

/** Mines `blocks` heights in a row; returns each hand-off (ms). `chain`: each next round is staged. */
function handoffs(hasher: Hasher, on: { solution: (s: Solution) => void; started: (jobId: number, atUs: number) => void }, miners: MinerSet, difficulty: number, blocks: number, chain: boolean, firstId: number): Promise<number[]> {
  let id = firstId;
  const job = (height: bigint): MiningJob => buildJob(++id, { height, hash: randomBytes(32).toString('hex'), timestampMs: BigInt(Date.now()) }, txs, miners, { difficulty, nowMs: Date.now() });
  const times: number[] = [];
  const found = new Map<number, number>();
  return new Promise((resolve) => {
    let cur = job(0n);
    on.started = (jobId, atUs) => {
      const f = found.get(jobId);
      if (f !== undefined) times.push((atUs - f) / 1000);
      found.delete(jobId);
    };
    on.solution = (s) => {
      if (s.jobId !== cur.jobId) return;
      if (s.next) cur = s.next;
      else {
        cur = job(cur.height);
        hasher.start(cur);
      }
      if (s.stagedLateAtUs === undefined) found.set(cur.jobId, s.foundAtUs!); // staged late: its payments came after the solution
      if (chain) hasher.stage!(cur.jobId, job(cur.height));
      if (cur.height >= BigInt(blocks)) {
        hasher.stop();
        setTimeout(() => resolve(times), 50);
      }
    };
    hasher.start(cur);
    if (chain) hasher.stage!(cur.jobId, job(cur.height));
  });
}

export async function run(args: string[]): Promise<void> {
  const i = args.indexOf('--miners');
  const sizes = i >= 0 ? args[i + 1]!.split(',').map(Number) : [100, 1000, 10000];
  const rounds = flag(args, '--rounds', 500);
  const blocks = flag(args, '--blocks', 300);
  const difficulty = flag(args, '--difficulty', 4);
  const engine = selectEngine().name;
  const nice = flag(args, '--nice', 19);
  const hasher = await createHasher({ threads: flag(args, '--threads', 2), engine, nice });
  const on = { solution: (_s: Solution) => {}, started: (_j: number, _a: number) => {} };
  hasher.on('solution', (s) => on.solution(s));
  hasher.on('started', (e) => on.started(e.jobId, e.atUs));
  const results = [];
  let ids = 0;
  try {
    for (const n of sizes) {
      const roster = new MinerRoster();
      for (let k = 0; k < n; k++) roster.add('IDX_' + randomBytes(16).toString('hex'));
      const times: number[] = [];
      for (let k = 0; k <= rounds; k++) {
        const tip = { height: BigInt(k), hash: randomBytes(32).toString('hex'), timestampMs: BigInt(Date.now()) };
        const t0 = performance.now();
        hasher.start(buildJob(++ids, tip, txs, roster.full(), { difficulty: 30, nowMs: Date.now() }));
        if (k > 0) times.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5)); // the threads take the round up meanwhile
      }
      hasher.stop();
      const chained = await handoffs(hasher, on, roster.full(), difficulty, blocks, true, (ids += 10_000));
      const started = await handoffs(hasher, on, roster.full(), difficulty, blocks, false, (ids += 10_000));
      ids += 10_000;
      results.push({ miners: n, rounds, build_ms: summary(times), blocks, handoff_chain_ms: summary(chained), handoff_start_ms: summary(started) });
    }
  } finally {
    await hasher.close();
  }
  output(
    args,
    { bench: 'rounds', engine, cpu: cpuModel(), difficulty, nice, results },
    results.map((r) => ({
      miners: r.miners,
      'build p50 ms': r.build_ms.p50,
      'build p99 ms': r.build_ms.p99,
      'chain hand-off p50 ms': r.handoff_chain_ms.p50,
      'chain hand-off p99 ms': r.handoff_chain_ms.p99,
      'start hand-off p50 ms': r.handoff_start_ms.p50,
      'start hand-off p99 ms': r.handoff_start_ms.p99,
    })),
  );
}
