/**
 * A job's candidates, derived on demand: a candidate is the job's base header
 * with its miner's 16 bytes at MINER_OFFSET. Building a round is then O(1) in
 * the number of miners; only a change of membership builds a MinerSet, O(N).
 */
import { HEADER_SIZE, MINER_OFFSET, PREV_HASH_OFFSET, hashHeader } from '../../domain/header.ts';
import type { MinerCandidate, MinerSet, MiningJob } from './types.ts';

export const MINER_BYTES = 16;

/** A frozen miner set: each id's 16 header bytes (from `bytesOf`) in order, and its position. */
export function createMinerSet(ids: readonly string[], bytesOf: (id: string) => Uint8Array): MinerSet {
  const bytes = new Uint8Array(ids.length * MINER_BYTES);
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    const b = bytesOf(id);
    if (b.length !== MINER_BYTES) throw new RangeError(`a miner's header bytes are ${MINER_BYTES}, not ${b.length}`);
    bytes.set(b, i * MINER_BYTES);
    index.set(id, i);
  });
  return Object.freeze({ ids: Object.freeze([...ids]), bytes, index });
}

/** Candidate `i` of the miner bytes `miners` on `base`, written into `out` (108 bytes). */
export function writeCandidate(base: Uint8Array, miners: Uint8Array, i: number, out: Uint8Array): Uint8Array {
  out.set(base.subarray(0, HEADER_SIZE));
  out.set(miners.subarray(i * MINER_BYTES, (i + 1) * MINER_BYTES), MINER_OFFSET);
  return out;
}

/** Candidate `i`'s header (a new copy). */
export function candidateHeader(job: MiningJob, i: number): Uint8Array {
  return writeCandidate(job.base, job.miners.bytes, i, new Uint8Array(HEADER_SIZE));
}

/** The candidate of `minerIdx`, or null when it does not race in `job`. */
export function candidateOf(job: MiningJob, minerIdx: string): MinerCandidate | null {
  const i = job.miners.index.get(minerIdx);
  return i === undefined ? null : { minerIdx, header: candidateHeader(job, i) };
}

/** Every candidate (O(N): for tests and tools, not for the round's hot path). */
export function candidatesOf(job: MiningJob): MinerCandidate[] {
  return job.miners.ids.map((minerIdx, i) => ({ minerIdx, header: candidateHeader(job, i) }));
}

/**
 * A staged job's header on the solution that ends the job before it: the
 * staged base with that solution's hash as its prevHash. The thread that
 * found the solution and the hasher's owner compute it alike.
 */
export function chainedBase(stagedBase: Uint8Array, solvedHeader: Uint8Array): Uint8Array {
  const out = Uint8Array.from(stagedBase);
  out.set(hashHeader(solvedHeader), PREV_HASH_OFFSET);
  return out;
}

/** A monotonic clock shared by every thread of the process, in microseconds. */
export function monoUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
