/** The round handout: a round to the hasher and listeners, the stage after it, its adoption, and the roster ending the chain. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RoundHandout } from '../../../src/mining/pool/handout.ts';
import { MinerRoster } from '../../../src/mining/pool/roster.ts';
import { PoolStats } from '../../../src/mining/pool/stats.ts';
import type { PendingTx } from '../../../src/mining/pool/lookahead.ts';
import type { MiningJob } from '../../../src/mining/workers/types.ts';
import { ChainHandHasher } from '../../helpers/hand-hasher.ts';
import { vectorTx } from '../../vectors/domain.ts';

const idx = (c: string) => 'IDX_' + c.repeat(32);
const pending = (k: number): PendingTx => ({ ...vectorTx(k), seq: BigInt(k), createdAt: new Date(0) });
const tip = { height: 0n, hash: 'ab'.repeat(32), timestampMs: 1_000n };

function setup() {
  const hasher = new ChainHandHasher();
  const roster = new MinerRoster();
  roster.add(idx('1'));
  const rounds = new RoundHandout(hasher, roster, new PoolStats(), { difficulty: 1, timeoutMs: 60_000, now: () => 2_000 }, () => {});
  const heard: Array<MiningJob | null> = [];
  rounds.onRound((j) => heard.push(j));
  return { hasher, roster, rounds, heard };
}

describe('RoundHandout', () => {
  test('a round goes to the hasher and the listeners; the one after it is staged once', () => {
    const { hasher, rounds, heard } = setup();
    rounds.start(tip, [pending(1)], [idx('1')], null, performance.now());
    const r = rounds.current!;
    assert.equal(hasher.job, r.job);
    assert.deepEqual(heard, [r.job]);
    rounds.stage([pending(2)]);
    rounds.stage([pending(3)]);
    assert.equal(hasher.stages.length, 1, 'staged once');
    assert.equal(r.next!.job.height, 2n);
    assert.deepEqual(r.next!.txs.map((t) => t.txId), [pending(2).txId]);
    rounds.stop(true);
    assert.equal(rounds.current, null);
    assert.equal(heard.at(-1), null, 'idle');
  });

  test('a solution that started the staged round makes it the round, with no start()', () => {
    const { hasher, rounds, heard } = setup();
    rounds.start(tip, [pending(1)], [idx('1')], null, performance.now());
    const solved = rounds.current!;
    rounds.stage([pending(2)]);
    const s = hasher.solveChained(idx('1'));
    const parent = Promise.resolve(true);
    const starts = hasher.jobs.length;
    assert.deepEqual(rounds.adopt(solved, s.next!, parent, performance.now())?.map((t) => t.txId), [pending(2).txId]);
    assert.equal(hasher.jobs.length, starts);
    assert.equal(rounds.current!.job, s.next);
    assert.equal(rounds.current!.parent, parent);
    assert.equal(heard.at(-1), s.next);
  });

  test('a miner joining ends the chain: nothing is staged, and a stage from before is not adopted', () => {
    const { hasher, roster, rounds } = setup();
    rounds.start(tip, [pending(1)], [idx('1')], null, performance.now());
    const solved = rounds.current!;
    rounds.stage([pending(2)]);
    const s = hasher.solveChained(idx('1'));
    roster.add(idx('2'));
    assert.equal(rounds.adopt(solved, s.next!, Promise.resolve(true), performance.now()), null);
    rounds.start(tip, [pending(1)], [idx('1')], null, performance.now());
    roster.add(idx('3'));
    rounds.stage([pending(2)]);
    assert.equal(rounds.current!.next, null, 'the roster changed since the round started');
  });

  test('a round of the system miner chains only while no miner is active', () => {
    const { hasher, roster, rounds } = setup();
    roster.delete(idx('1'));
    rounds.start(tip, [pending(1)], [], null, performance.now());
    rounds.stage([pending(2)]);
    assert.equal(hasher.stages.length, 1);
    const solved = rounds.current!;
    const s = hasher.solveChained(solved.job.miners.ids[0]!);
    roster.add(idx('1'));
    assert.equal(rounds.adopt(solved, s.next!, Promise.resolve(true), performance.now()), null);
  });
});
