/**
 * A hashing thread driven directly over its port and control words: a stage
 * that waits unread in its port when it solves the job before (posted while
 * the solving slice ran: simulated by a stage posted without a wake) is read
 * before the solution is reported, and started on it: the solution goes out
 * chained, ahead of the round's 'started'.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { CLOSING, CONTROL_WORDS, GEN, wake, type FromWorker, type ToWorker } from '../../../src/mining/workers/messages.ts';
import { monoUs } from '../../../src/mining/workers/job.ts';
import { targetForDifficulty } from '../../../src/domain/pow.ts';
import { waitFor } from '../../helpers/wait.ts';
import { jobBase, twoMiners } from '../../helpers/jobs.ts';

const entry = new URL('../../../src/mining/workers/hash-worker-entry.mjs', import.meta.url);


test('a stage unread in the port when the job is solved is started on the solution before it is reported', async () => {
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  const ctrl = new Int32Array(control);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(entry, {
    workerData: { engine: 'js', control, port: port2, peers: [], nice: 0, sched: false, nonceStart: 0, nonceSpan: 2 ** 32 },
    transferList: [port2],
  });
  const got: FromWorker[] = [];
  port1.on('message', (m: FromWorker) => got.push(m));
  const post = (m: ToWorker) => port1.postMessage(m);
  try {
    await waitFor('the thread ready', async () => got.some((m) => m.type === 'ready'));
    post({ type: 'miners', bytes: twoMiners.bytes });
    // A job takes ~10^6 hashes (difficulty 5): the stage is posted once the thread is on it, long
    // before its solution. Should the solution come first all the same, the next attempt decides.
    for (let attempt = 1; attempt <= 5; attempt++) {
      const jobId = attempt * 10;
      Atomics.store(ctrl, GEN, attempt);
      post({ type: 'job', gen: attempt, jobId, target: targetForDifficulty(5), base: jobBase(jobId), nonceStart: 0, nonceSpan: 2 ** 32 });
      wake(ctrl);
      await waitFor(`job ${jobId} started`, async () => got.some((m) => m.type === 'started' && m.jobId === jobId));
      const stagedAtUs = monoUs();
      post({ type: 'next', after: jobId, jobId: jobId + 1, target: targetForDifficulty(8), base: jobBase(jobId + 1) }); // no wake
      const { i: at } = await waitFor(`the solution of job ${jobId}`, async () => {
        const i = got.findIndex((m) => m.type === 'solution' && m.jobId === jobId);
        return i >= 0 ? { i } : null;
      });
      const solution = got[at] as Extract<FromWorker, { type: 'solution' }>;
      if (solution.foundAtUs < stagedAtUs) continue; // solved before the stage was posted: inconclusive
      assert.equal(solution.chained, jobId + 1, 'reported chained: the stage was read before the report');
      const { i: started } = await waitFor(`job ${jobId + 1} started`, async () => {
        const i = got.findIndex((m) => m.type === 'started' && m.jobId === jobId + 1);
        return i >= 0 ? { i } : null;
      });
      assert.ok(started > at, "'started' after the solution it was started on");
      return;
    }
    assert.fail('every job was solved before its stage was posted');
  } finally {
    Atomics.store(ctrl, CLOSING, 1);
    wake(ctrl);
    await worker.terminate();
    port1.close();
  }
});
