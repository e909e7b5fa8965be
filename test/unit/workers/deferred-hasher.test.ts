/** The deferred hasher: a round given before launch() waits for it; events come from the real hasher; close() settles. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferHasher } from '../../../src/mining/workers/deferred-hasher.ts';
import { Emitter } from '../../../src/mining/workers/emitter.ts';
import type { Hasher, MiningJob } from '../../../src/mining/workers/types.ts';
import { createMinerSet } from '../../../src/mining/workers/job.ts';
import { targetForDifficulty } from '../../../src/domain/pow.ts';

const job = (jobId: number): MiningJob => ({
  jobId,
  height: BigInt(jobId),
  target: targetForDifficulty(1),
  base: new Uint8Array(108),
  miners: createMinerSet(['A'], () => new Uint8Array(16)),
});

/** A hasher that records what it is told. */
function recorder() {
  const calls: string[] = [];
  const emitter = new Emitter();
  const h: Hasher & { emit(event: string, x: unknown): void } = {
    engine: 'js',
    threads: 2,
    activeThreads: () => 1,
    start: (j) => void calls.push(`start ${j.jobId}`),
    stage: (after, next) => void calls.push(`stage ${after}>${next.jobId}`),
    stop: () => void calls.push('stop'),
    on: emitter.on.bind(emitter) as Hasher['on'],
    close: async () => void calls.push('close'),
    emit: (event, x) => emitter.emit(event, x),
  };
  return { h, calls };
}

describe('deferred hasher', () => {
  test('before launch: the meta is known, nothing starts; the last round given (and its staged successor) starts at launch', async () => {
    const { h, calls } = recorder();
    let created = 0;
    const d = deferHasher({ engine: 'js', threads: 2 }, async () => (created++, h));
    assert.equal(d.engine, 'js');
    assert.equal(d.threads, 2);
    d.start(job(1));
    d.start(job(2));
    d.stage!(2, job(3));
    d.stage!(7, job(8)); // not after the pending round: dropped
    assert.equal(created, 0);
    assert.deepEqual(calls, []);
    await Promise.all([d.launch(), d.launch()]);
    assert.equal(created, 1, 'launched once');
    assert.deepEqual(calls, ['start 2', 'stage 2>3']);
    assert.equal(d.activeThreads!(), 1);
    d.start(job(4));
    d.stop();
    assert.deepEqual(calls.slice(2), ['start 4', 'stop']);
    await d.close();
    assert.deepEqual(calls.slice(4), ['close']);
  });

  test('stop before launch drops the pending round', async () => {
    const { h, calls } = recorder();
    const d = deferHasher({ engine: 'js', threads: 2 }, async () => h);
    d.start(job(1));
    d.stop();
    await d.launch();
    assert.deepEqual(calls, []);
    await d.close();
  });

  test('listeners added before launch hear the real hasher', async () => {
    const { h } = recorder();
    const d = deferHasher({ engine: 'js', threads: 2 }, async () => h);
    const heard: unknown[] = [];
    d.on('solution', (s) => heard.push(s));
    d.on('error', (e) => heard.push(e.message));
    await d.launch();
    h.emit('solution', { jobId: 1 });
    h.emit('error', new Error('boom'));
    assert.deepEqual(heard, [{ jobId: 1 }, 'boom']);
    await d.close();
  });

  test('close before launch finishes closes the hasher that was starting; a failed start rejects launch()', async () => {
    const { h, calls } = recorder();
    let release!: () => void;
    const d = deferHasher({ engine: 'js', threads: 2 }, () => new Promise<Hasher>((r) => (release = () => r(h))));
    const launched = d.launch();
    const closed = d.close();
    release();
    await launched;
    await closed;
    assert.deepEqual(calls, ['close']);
    d.start(job(1)); // after close: nothing
    assert.deepEqual(calls, ['close']);

    const failing = deferHasher({ engine: 'js', threads: 2 }, async () => {
      throw new Error('no threads');
    });
    await assert.rejects(failing.launch(), /no threads/);
    await failing.close();

    let created = 0;
    const late = deferHasher({ engine: 'js', threads: 2 }, async () => (created++, h));
    await late.close();
    await late.launch();
    assert.equal(created, 0, 'a launch after close starts nothing');
  });
});
