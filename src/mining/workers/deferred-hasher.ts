/**
 * A Hasher whose threads start later, when `launch()` is called. The server
 * builds its HTTP side and opens its store first and starts the hashing
 * threads after (start-up time: on two cores, two threads booting Node
 * beside the store's and the server's slow both down). The pool holds it
 * from the start: what it hears is forwarded from the real hasher once that
 * is up; a round given before that (start, stage) waits for it, stop drops it.
 */
import type { EngineName } from '../engines/types.ts';
import { Emitter } from './emitter.ts';
import type { Hasher, MiningJob } from './types.ts';

export interface DeferredHasher extends Hasher {
  /** Starts the real hasher (once): resolves when it is up, rejects with why it could not start. */
  launch(): Promise<void>;
}

const EVENTS = ['solution', 'progress', 'exhausted', 'started', 'error'] as const;

export function deferHasher(meta: { readonly engine: EngineName | string; readonly threads: number }, create: () => Promise<Hasher>): DeferredHasher {
  const emitter = new Emitter();
  let inner: Hasher | null = null;
  let launching: Promise<void> | null = null;
  let closed = false;
  /** The round to start, and the one staged after it, once the real hasher is up. */
  let pending: MiningJob | null = null;
  let pendingStage: { readonly after: number; readonly next: MiningJob } | null = null;

  const launch = () =>
    (launching ??= closed ? Promise.resolve() : create().then(async (h) => {
      if (closed) return void (await h.close());
      for (const e of EVENTS) h.on(e as 'error', (x) => emitter.emit(e, x));
      inner = h;
      if (pending) h.start(pending);
      if (pending && pendingStage) h.stage?.(pendingStage.after, pendingStage.next);
      pending = null;
      pendingStage = null;
    }));

  return {
    engine: meta.engine,
    get threads() {
      return inner?.threads ?? meta.threads;
    },
    activeThreads: () => inner?.activeThreads?.() ?? inner?.threads ?? meta.threads,
    launch,
    start(job) {
      if (inner) return inner.start(job);
      pending = job;
      pendingStage = null;
    },
    stage(after, next) {
      if (inner) return inner.stage?.(after, next);
      if (pending?.jobId === after) pendingStage = { after, next };
    },
    stop() {
      if (inner) return inner.stop();
      pending = null;
      pendingStage = null;
    },
    on: emitter.on.bind(emitter) as Hasher['on'],
    async close() {
      closed = true;
      pending = null;
      pendingStage = null;
      await launching?.catch(() => {});
      await inner?.close();
    },
  };
}
