/**
 * A staged job made ready for the chain as it reaches a thread: everything
 * but the solution's hash is done then, so starting it on a solution costs
 * two compressions (the solution's hash, the new first block) and one small
 * object. A hashing thread runs at low priority and is preempted the more
 * often the longer its hand-off takes: this keeps it to microseconds.
 */
import { HEADER_SIZE, PREV_HASH_OFFSET } from '../../domain/header.ts';
import { IV, compress, hashPreparedInto, prepareHeader } from '../engines/prepare.ts';
import type { PreparedHeader } from '../engines/types.ts';

const PREV_WORD = PREV_HASH_OFFSET / 4;

/** One thread's scratch for the chain's compressions. */
export class ChainScratch {
  readonly hash = new Int32Array(8);
  readonly block = new Int32Array(16);
  readonly w = new Int32Array(64);

  /** SHA-256 of `p` with `nonce` (a solution), as 8 words in `this.hash`. */
  hashOf(p: PreparedHeader, nonce: number): Int32Array {
    return hashPreparedInto(p, nonce, this.hash, this.block, this.w);
  }
}

export class ChainTemplate {
  /** The staged header's first 16 words (its prevHash words are replaced). */
  private readonly first: Int32Array;
  private readonly tail: Uint32Array;
  private readonly nonceWord: number;
  /** A copy of the staged header: its prevHash is written once the job started (writePrev). */
  readonly base: Uint8Array;

  constructor(
    /** The job it follows. */
    readonly after: number,
    readonly jobId: number,
    readonly target: Uint32Array,
    stagedBase: Uint8Array,
  ) {
    if (stagedBase.length !== HEADER_SIZE) throw new RangeError(`a staged header is ${HEADER_SIZE} bytes`);
    const p = prepareHeader(stagedBase, target);
    this.tail = p.tail;
    this.nonceWord = p.nonceWord;
    const view = new DataView(stagedBase.buffer, stagedBase.byteOffset, 64);
    this.first = new Int32Array(16);
    for (let i = 0; i < 16; i++) this.first[i] = view.getInt32(i * 4);
    this.base = stagedBase.slice();
  }

  /** The job's shared prepared header on the solution whose hash is `hash` (8 words): one compression. */
  prepare(hash: Int32Array, s: ChainScratch): PreparedHeader {
    s.block.set(this.first);
    s.block.set(hash, PREV_WORD);
    const mid = new Int32Array(IV);
    compress(mid, s.block, s.w);
    return Object.freeze({ midstate: new Uint32Array(mid.buffer), tail: this.tail, nonceWord: this.nonceWord, target: this.target });
  }

  /** Writes `hash` as the prevHash bytes of `base` (after the start: only the peers and the owner read them). */
  writePrev(hash: Int32Array): Uint8Array {
    const view = new DataView(this.base.buffer, this.base.byteOffset + PREV_HASH_OFFSET, 32);
    for (let i = 0; i < 8; i++) view.setInt32(i * 4, hash[i]!);
    return this.base;
  }
}
