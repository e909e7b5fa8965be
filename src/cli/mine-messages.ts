/** Typed messages between `idxchain mine` and its hashing threads (src/cli/mine-worker.ts). */
export type ToMineWorker =
  | {
      readonly type: 'job';
      readonly gen: number;
      /** The full header (nonce bytes ignored), 68..119 bytes. */
      readonly header: Uint8Array;
      readonly shareTarget: Uint32Array;
      readonly target: Uint32Array;
      /** This thread's part of the nonce space: [start, start + span) modulo 2^32. */
      readonly start: number;
      readonly span: number;
    }
  | { readonly type: 'stop'; readonly gen: number };

export type FromMineWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  /** A nonce meeting the share target; `block` when it also meets the block target. */
  | { readonly type: 'share'; readonly gen: number; readonly nonce: number; readonly block: boolean };

export function isFromMineWorker(m: unknown): m is FromMineWorker {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'fatal' || t === 'share';
}

/** The control words are the pool's own (src/mining/workers/messages.ts). */
export { CLOSING, GEN, signalClosing } from '../mining/workers/messages.ts';
