/** The fair scan: a permutation of the candidates per job, drawn turn by turn; counts kept across jobs of the same miners. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FairScanner, type ScanJob } from '../../../src/mining/workers/scanner.ts';
import { createHash } from 'node:crypto';
import { availableEngines, createEngine } from '../../../src/mining/engines/index.ts';
import { meetsTarget, targetForDifficulty } from '../../../src/domain/pow.ts';
import { MINER_OFFSET, NONCE_OFFSET } from '../../../src/domain/header.ts';

/** A seeded generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const minersOf = (n: number) => Uint8Array.from({ length: n * 16 }, (_, i) => (i * 37) & 0xff);
const scanJob = (jobId: number, miners: Uint8Array): ScanJob => ({
  jobId,
  target: targetForDifficulty(30), // nobody meets it
  base: new Uint8Array(108).fill(jobId),
  miners,
  nonceStart: 0,
  nonceSpan: 0x100000000,
});

/** The candidates in the order of one pass: the one whose count grew at each step. */
function onePass(s: FairScanner, n: number): number[] {
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const before = Float64Array.from(s.counts);
    s.step();
    order.push(s.counts.findIndex((c, i) => c > before[i]!));
  }
  return order;
}

describe('FairScanner', () => {
  test('every pass visits each candidate once, in an order drawn per job; the second pass repeats the first', () => {
    const n = 12;
    const s = new FairScanner(createEngine('js'), 1, seeded(7));
    const miners = minersOf(n);
    s.load(scanJob(1, miners));
    const first = onePass(s, n);
    assert.deepEqual([...first].sort((a, b) => a - b), [...Array(n).keys()]);
    assert.deepEqual(onePass(s, n), first);
    s.load(scanJob(2, miners));
    const other = onePass(s, n);
    assert.deepEqual([...other].sort((a, b) => a - b), [...Array(n).keys()]);
    assert.notDeepEqual(other, first, 'another job, another order');
  });

  test('counts carry over jobs with the same miner bytes and start again with other bytes', () => {
    const s = new FairScanner(createEngine('js'), 1, seeded(1));
    const miners = minersOf(3);
    s.load(scanJob(1, miners));
    onePass(s, 3);
    const after1 = s.counts.reduce((a, b) => a + b, 0);
    s.load(scanJob(2, miners));
    onePass(s, 3);
    assert.ok(s.counts.reduce((a, b) => a + b, 0) > after1, 'kept');
    const taken = s.takeCounts();
    assert.ok(taken.reduce((a, b) => a + b, 0) > after1);
    assert.equal(s.counts.reduce((a, b) => a + b, 0), 0);
    onePass(s, 3);
    s.load(scanJob(3, minersOf(3).map((b) => b ^ 1)));
    assert.equal(s.counts.reduce((a, b) => a + b, 0), 0, 'other miners: a fresh count');
  });
});

describe('FairScanner on every engine', () => {
  for (const name of availableEngines()) {
    test(`${name}: a candidate's header object is rewritten for the next job and the engine reads it anew`, () => {
      // One miner: the same candidate object is scanned in job 1, then rewritten for job 2.
      const engine = createEngine(name);
      const s = new FairScanner(engine, 1, seeded(3));
      const miners = minersOf(1);
      s.load(scanJob(1, miners)); // nobody meets its target
      assert.equal(s.step(), null);
      const base = new Uint8Array(108).fill(0xa5);
      s.load({ jobId: 2, target: targetForDifficulty(2), base, miners, nonceStart: 0, nonceSpan: 0x100000000 });
      let ev = s.step();
      for (let k = 0; ev === null && k < 1000; k++) ev = s.step();
      assert.equal(ev?.kind, 'solution');
      const full = base.slice();
      full.set(miners, MINER_OFFSET);
      new DataView(full.buffer).setUint32(NONCE_OFFSET, ev.kind === 'solution' ? ev.nonce : 0);
      assert.ok(meetsTarget(createHash('sha256').update(full).digest(), targetForDifficulty(2)), 'the solution is of job 2’s header');
    });
  }
});
