/** The fold: how many hashing threads get work, from what they get of the cores and the machine's idle time. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ThreadFold, readSchedstat } from '../../../src/mining/workers/fold.ts';

const ms = (x: number) => x * 1e6; // ns
const settings = { windowMs: 1_000, holdMs: 5_000, maxHoldMs: 40_000 };

/** One window of `w` ms ending at `now`: each thread ran `run[t]` ms and waited `wait[t]` ms; the machine idled `idle` ms. */
function windowOf(f: ThreadFold, now: number, run: number[], wait: number[], idleSoFar: number): number {
  run.forEach((r, t) => f.add(t, { runNs: ms(r), waitNs: ms(wait[t]!) }));
  return f.decide(now, idleSoFar);
}

describe('ThreadFold', () => {
  test('two threads that get less than 1.25 cores between them fold to one; one with 1.5 stays', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    assert.equal(windowOf(f, 1_000, [700, 700], [300, 300], 0), 2, '1.4 cores: both stay');
    assert.equal(windowOf(f, 2_000, [300, 200], [700, 800], 0), 1, 'half a core between two threads: fold');
    assert.equal(f.active, 1);
  });

  test('due once a window has passed since the last decision (the idle time is read only then)', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    assert.equal(f.due(999), false);
    assert.equal(f.due(1_000), true);
    windowOf(f, 1_000, [700, 700], [300, 300], 0);
    assert.equal(f.due(1_500), false, 'a new window began with the decision');
    assert.equal(f.due(2_000), true);
  });

  test('nothing is decided before a window has passed, nor before the threads wanted 100 ms of a core', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    assert.equal(windowOf(f, 500, [10, 10], [490, 490], 0), 2, 'half a window');
    const g = new ThreadFold(2, 0, 0, settings);
    assert.equal(windowOf(g, 1_000, [10, 10], [80, 80], 0), 2, 'threads that wanted 90 ms of a core: not yet');
    assert.equal(windowOf(g, 2_000, [10, 10], [80, 80], 0), 1, 'the window grew until 180 ms: starved, fold');
    const h = new ThreadFold(2, 0, 0, settings);
    for (let s = 1; s <= 10; s++) windowOf(h, s * 1_000, [1, 1], [8, 8], 0);
    assert.equal(h.active, 2, 'ten windows of next to nothing are dropped undecided');
    assert.equal(windowOf(h, 11_000, [10, 10], [80, 80], 0), 2, 'and the count starts again');
  });

  test('samples of a thread given no work are not counted', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    windowOf(f, 1_000, [300, 200], [700, 800], 0);
    assert.equal(f.active, 1);
    // Thread 1 is folded away: a sample of its own does not make thread 0 look better fed.
    f.add(1, { runNs: ms(1_000), waitNs: 0 });
    assert.equal(windowOf(f, 2_000, [400], [600], 2_000), 1);
  });

  test('a thread folded away comes back when the others get their cores and the machine has one idle, not before the hold', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    windowOf(f, 1_000, [300, 200], [700, 800], 0); // fold at 1 s
    for (let s = 2; s < 6; s++) assert.equal(windowOf(f, s * 1_000, [990], [10], (s - 1) * 900), 1, `within the hold (${s} s)`);
    assert.equal(windowOf(f, 6_000, [990], [10], 5 * 900), 2, 'after it: unstarved, a core idle');
  });

  test('no thread is added while the one left waits for its core or the machine has no core idle', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    windowOf(f, 1_000, [300, 200], [700, 800], 0);
    for (let s = 2; s <= 7; s++) assert.equal(windowOf(f, s * 1_000, [500], [500], (s - 1) * 900), 1, 'starved');
    assert.equal(windowOf(f, 8_000, [990], [10], 6 * 900 + 100), 1, 'no core idle (0.1)');
  });

  test('folding soon after coming back doubles the hold, up to its maximum', () => {
    const f = new ThreadFold(2, 0, 0, settings);
    let now = 1_000;
    let idle = 0;
    windowOf(f, now, [300, 200], [700, 800], idle); // fold, hold 5 s
    const holds: number[] = [];
    for (let k = 0; k < 5; k++) {
      // Wait until a thread comes back, then the machine is busy again: fold.
      let waited = 0;
      do {
        now += 1_000;
        waited += 1_000;
        idle += 900;
      } while (windowOf(f, now, [990], [10], idle) === 1);
      holds.push(waited);
      now += 1_000;
      assert.equal(windowOf(f, now, [300, 200], [700, 800], idle), 1);
    }
    assert.deepEqual(holds, [5_000, 10_000, 20_000, 40_000, 40_000]);
  });

  test('four threads fold one at a time to what the cores give', () => {
    const f = new ThreadFold(4, 0, 0, settings);
    assert.equal(windowOf(f, 1_000, [500, 500, 500, 500], [500, 500, 500, 500], 0), 3, 'two cores for four');
    assert.equal(windowOf(f, 2_000, [600, 600, 600], [400, 400, 400], 0), 2, 'still 1.8 for three');
    assert.equal(windowOf(f, 3_000, [900, 900], [100, 100], 0), 2, '1.8 for two: kept');
  });
});

describe('readSchedstat', () => {
  test('reads run and wait nanoseconds; null where there is no such file', () => {
    assert.deepEqual(readSchedstat(() => '123 456 7\n'), [123, 456]);
    assert.equal(
      readSchedstat(() => {
        throw new Error('ENOENT');
      }),
      null,
    );
    assert.equal(readSchedstat(() => 'garbage'), null);
  });
});
