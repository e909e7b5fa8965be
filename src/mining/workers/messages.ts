/** Typed messages between the thread hasher and its workers. */
export type ToWorker =
  /** The miner bytes of the jobs that follow (16 per candidate), sent only when the set changes. */
  | { readonly type: 'miners'; readonly bytes: Uint8Array }
  | { readonly type: 'job'; readonly gen: number; readonly jobId: number; readonly target: Uint32Array; /** The header all candidates share. */ readonly base: Uint8Array; readonly nonceStart: number; readonly nonceSpan: number }
  /** The job that follows `after`, started by this thread on its own solution of `after` (its nonce range: this thread's). */
  | { readonly type: 'next'; readonly after: number; readonly jobId: number; readonly target: Uint32Array; readonly base: Uint8Array }
  | { readonly type: 'stop'; readonly gen: number };

/** Between hashing threads: `after` was solved on a peer, which started job `jobId` (its header `base`, on that solution) in generation `gen`; follow it. */
export type PeerMessage = { readonly type: 'chain'; readonly gen: number; readonly after: number; readonly jobId: number; readonly target: Uint32Array; readonly base: Uint8Array };

export type FromWorker =
  | { readonly type: 'ready'; readonly engine: string }
  /** The thread began hashing `jobId` at `atUs` (monoUs). */
  | { readonly type: 'started'; readonly jobId: number; readonly atUs: number }
  /** `chained`: the staged job this thread started on it (its peers follow). */
  | { readonly type: 'solution'; readonly jobId: number; readonly index: number; readonly nonce: number; readonly foundAtUs: number; readonly chained?: number }
  | { readonly type: 'exhausted'; readonly jobId: number; readonly index: number }
  /** `sched`: when asked (the fold), the thread's [run, wait] nanoseconds since its last report. */
  | { readonly type: 'progress'; readonly jobId: number; readonly counts: Float64Array; readonly sched?: readonly [number, number] }
  | { readonly type: 'fatal'; readonly message: string };

export function isFromWorker(m: unknown): m is FromWorker {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'started' || t === 'solution' || t === 'exhausted' || t === 'progress' || t === 'fatal';
}

/**
 * Shared control words: [0] the current job generation (the owner's), [1] 1
 * when closing, [2] the newest job solved: its first solver swaps it in and
 * alone reports it (a solution of that job or an older one is then stale,
 * and a thread on it stops hashing it), [3] a counter bumped (and notified)
 * whenever a thread has something new to read: a thread waits on it.
 */
export const GEN = 0;
export const CLOSING = 1;
export const CHAINED = 2;
export const WAKE = 3;
export const CONTROL_WORDS = 4;

/** Wakes the threads waiting on `ctrl` (after a message was posted to them). */
export function wake(ctrl: Int32Array): void {
  Atomics.add(ctrl, WAKE, 1);
  Atomics.notify(ctrl, WAKE);
}

/** Tells every thread on `ctrl` to leave: closing set, and a new generation so a scan in progress stops at once. */
export function signalClosing(ctrl: Int32Array): void {
  Atomics.store(ctrl, CLOSING, 1);
  Atomics.add(ctrl, GEN, 1);
  Atomics.notify(ctrl, GEN);
}
