import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildJob, RoundTimes } from '../../../src/mining/pool/round.ts';
import { createHeader, encodeHeader } from '../../../src/domain/header.ts';
import { fromHex, toHex } from '../../../src/domain/hex.ts';
import { userIdxToBytes } from '../../../src/domain/ids.ts';
import { txMerkleRoot } from '../../../src/domain/merkle.ts';
import { targetForDifficulty } from '../../../src/domain/pow.ts';
import { vectorTx } from '../../vectors/domain.ts';

describe('buildJob', () => {
  const tip = { height: 41n, hash: 'ab'.repeat(32), timestampMs: 1_700_000_000_000n };
  const txs = [vectorTx(1), vectorTx(2)];
  const miners = ['IDX_' + '1'.repeat(32), 'IDX_' + 'f'.repeat(32)];

  test('one candidate per miner, each equal to encoding the full header with that miner', () => {
    const job = buildJob(7, tip, txs, miners, { difficulty: 3, nowMs: 1_700_000_000_500, minerBytes: userIdxToBytes });
    assert.equal(job.jobId, 7);
    assert.equal(job.height, 42n);
    assert.deepEqual(job.target, targetForDifficulty(3));
    assert.deepEqual(job.candidates.map((c) => c.minerIdx), miners);
    for (const c of job.candidates) {
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
    }
    // One buffer, consecutive 108-byte views that do not overlap (a thread gets the round as one copy).
    const [a, b] = [job.candidates[0]!.header, job.candidates[1]!.header];
    assert.equal(a.buffer, b.buffer);
    assert.deepEqual([a.byteOffset, a.length, b.byteOffset, b.length], [0, 108, 108, 108]);
    const before = toHex(b);
    a.fill(0);
    assert.equal(toHex(b), before, 'writing one candidate leaves the next as it was');
  });

  test("a clock behind the tip's timestamp keeps the tip's timestamp", () => {
    const job = buildJob(1, tip, txs, miners, { difficulty: 1, nowMs: 5, minerBytes: userIdxToBytes });
    const view = new DataView(job.candidates[0]!.header.buffer);
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
