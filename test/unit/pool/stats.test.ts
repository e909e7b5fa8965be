/** What the pool counts of its hand-offs: those known at the solution, those staged late, store waits. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PoolStats } from '../../../src/mining/pool/stats.ts';

const status = (s: PoolStats) =>
  s.status({ activeMiners: 0, maxCapacity: 1, isRunning: true, engine: 'js', threads: 1, threadsActive: 1, height: null, systemMinerActive: false, hashRate: 0 });

describe('PoolStats hand-offs', () => {
  test('a round known at the solution is a hand-off from the solution; one staged late is timed apart, from the stage', () => {
    const s = new PoolStats();
    s.solutionFound(1_000);
    s.roundStarted(7, performance.now(), true, false);
    s.threadsStarted(7, 1_400); // 0.4 ms
    s.solutionFound(5_000, true);
    s.roundStarted(8, performance.now(), true, false);
    s.threadsStarted(8, 8_000); // 3 ms from the stage
    s.solutionFound(10_000);
    s.roundStarted(9, performance.now(), true, false);
    s.threadsStarted(9, 11_500); // 1.5 ms
    const st = status(s);
    assert.deepEqual(st.handoffMs, { p50: 0.4, p99: 1.5 });
    assert.deepEqual(st.lateHandoffMs, { p50: 3, p99: 3 });
    assert.equal(st.handoffs, 2);
    assert.equal(st.handoffsOver1ms, 1, 'the late one is not counted');
    assert.equal(st.lateStages, 1);
  });

  test('a store wait, an idle moment or a round not hashed here times nothing', () => {
    const s = new PoolStats();
    s.solutionFound(1_000);
    s.waitsOnStore();
    s.roundStarted(1, performance.now(), true, false);
    s.threadsStarted(1, 2_000);
    s.solutionFound(3_000);
    s.idle();
    s.roundStarted(2, performance.now(), true, false);
    s.threadsStarted(2, 4_000);
    s.solutionFound(5_000);
    s.roundStarted(3, performance.now(), false, false);
    s.threadsStarted(3, 6_000);
    s.solutionFound(7_000);
    s.roundStarted(4, performance.now(), true, false);
    s.threadsStarted(5, 8_000); // another job's start
    const st = status(s);
    assert.equal(st.handoffs, 0);
    assert.equal(st.storeWaits, 1);
    assert.deepEqual(st.handoffMs, { p50: 0, p99: 0 });
  });
});
