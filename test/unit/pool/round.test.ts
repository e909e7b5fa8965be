import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildJob, RoundTimes } from '../../../src/mining/pool/round.ts';
import { createHeader, encodeHeader } from '../../../src/domain/header.ts';
import { fromHex, toHex } from '../../../src/domain/hex.ts';
import { userIdxToBytes } from '../../../src/domain/ids.ts';
import { txMerkleRoot } from '../../../src/domain/merkle.ts';
import { targetForDifficulty } from '../../../src/domain/pow.ts';
import { vectorTx } from '../../vectors/domain.ts';
import { candidateHeader, candidateOf, candidatesOf, createMinerSet } from '../../../src/mining/workers/job.ts';

describe('buildJob', () => {
  const tip = { height: 41n, hash: 'ab'.repeat(32), timestampMs: 1_700_000_000_000n };
  const txs = [vectorTx(1), vectorTx(2)];
  const miners = ['IDX_' + '1'.repeat(32), 'IDX_' + 'f'.repeat(32)];

  const set = createMinerSet(miners, userIdxToBytes);

  test('one candidate per miner, each equal to encoding the full header with that miner', () => {
    const job = buildJob(7, tip, txs, set, { difficulty: 3, nowMs: 1_700_000_000_500 });
    assert.equal(job.jobId, 7);
    assert.equal(job.height, 42n);
    assert.deepEqual(job.target, targetForDifficulty(3));
    assert.equal(job.miners, set, 'the set itself, not a copy per round');
    assert.deepEqual(candidatesOf(job).map((c) => c.minerIdx), miners);
    for (const c of candidatesOf(job)) {
      const expected = encodeHeader(
        createHeader({
          version: 1,
          height: 42n,
          prevHash: fromHex(tip.hash),
          merkleRoot: txMerkleRoot(txs),
          timestampMs: 1_700_000_000_500n,
          difficulty: 3,
          miner: userIdxToBytes(c.minerIdx),
          nonce: 0,
        }),
      );
      assert.equal(toHex(c.header), toHex(expected));
      assert.deepEqual(candidateOf(job, c.minerIdx), c);
    }
    assert.equal(candidateOf(job, 'IDX_' + '2'.repeat(32)), null, 'a miner not in the round');
    // Candidates are copies: writing one leaves the round as it was.
    const a = candidateHeader(job, 0);
    a.fill(0);
    assert.equal(toHex(candidateHeader(job, 1)), toHex(candidatesOf(job)[1]!.header));
  });

  test('a miner set: 16 bytes per miner in order, positions, frozen; wrong sizes refused', () => {
    assert.deepEqual(set.ids, miners);
    assert.deepEqual(set.bytes, Uint8Array.from([...userIdxToBytes(miners[0]!), ...userIdxToBytes(miners[1]!)]));
    assert.deepEqual([...set.index], [[miners[0], 0], [miners[1], 1]]);
    assert.ok(Object.isFrozen(set) && Object.isFrozen(set.ids));
    assert.throws(() => createMinerSet(['x'], () => new Uint8Array(15)), RangeError);
  });

  test("a clock behind the tip's timestamp keeps the tip's timestamp", () => {
    const job = buildJob(1, tip, txs, set, { difficulty: 1, nowMs: 5 });
    const view = new DataView(candidateHeader(job, 0).buffer);
    assert.equal(view.getBigUint64(76), tip.timestampMs);
  });
});

describe('RoundTimes', () => {
  test('p50 and p99 over the last N, none yet: zeros', () => {
    const t = new RoundTimes(4);
    assert.deepEqual(t.percentiles(), { p50: 0, p99: 0 });
    for (const ms of [100, 1, 2, 3, 4]) t.add(ms); // the 100 falls out of the ring
    assert.deepEqual(t.percentiles(), { p50: 2, p99: 4 });
    assert.equal(t.percentiles(), t.percentiles(), 'kept until the next sample');
    t.add(9);
    assert.deepEqual(t.percentiles(), { p50: 3, p99: 9 });
  });
});
