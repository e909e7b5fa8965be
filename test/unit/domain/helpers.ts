/** Builders for validation tests: a ledger view, and candidate blocks mined at difficulty 1 by brute force. */
import { createHeader, encodeHeader, hashHeader, type BlockHeader } from '../../../src/domain/header.ts';
import { userIdxToBytes } from '../../../src/domain/ids.ts';
import { txMerkleRoot } from '../../../src/domain/merkle.ts';
import { meetsDifficulty } from '../../../src/domain/pow.ts';
import type { TxRecord } from '../../../src/domain/transaction.ts';
import type { CandidateBlock, LedgerView, PendingTx } from '../../../src/domain/validation.ts';
import { vectorTx } from '../../vectors/domain.ts';

export const MINER = 'IDX_' + 'c'.repeat(32);
export const STRANGER = 'IDX_' + 'd'.repeat(32);
export const TIP_HASH = new Uint8Array(32).fill(9);
export const TIP = { height: 7n, hash: TIP_HASH, timestampMs: 1_000n } as const;
/** vectorTx(9) is already confirmed; vectorTx(1..3) are pending; others unknown. */
export const CONFIRMED_ID = vectorTx(9).txId;

export const hashOf = (h: BlockHeader): Uint8Array => hashHeader(encodeHeader(h));

/** The first nonce from `from` whose hash meets (or, with fail, misses) the header's difficulty. */
export function mine(fields: Omit<BlockHeader, 'nonce'>, opts: { from?: number; fail?: boolean } = {}): BlockHeader {
  for (let nonce = opts.from ?? 0; nonce <= 0xffffffff; nonce++) {
    const h = createHeader({ ...fields, nonce });
    if (meetsDifficulty(hashOf(h), fields.difficulty) !== (opts.fail ?? false)) return h;
  }
  throw new Error('no nonce');
}

export function pendingOf(txs: TxRecord[], held?: (t: TxRecord) => bigint): Map<string, PendingTx> {
  return new Map(txs.map((t) => [t.txId, { ...t, held: held ? held(t) : t.amount + t.feeTotal }]));
}

/** Tip at height 7, difficulty 1, batch 3, clock 10 000 ms (+1 000 ms allowed), payments 1..3 pending. */
export function view(over: Partial<LedgerView> = {}): LedgerView {
  return {
    tip: TIP,
    difficulty: 1,
    maxBatch: 3,
    nowMs: 10_000n,
    maxFutureMs: 1_000n,
    pending: pendingOf([vectorTx(1), vectorTx(2), vectorTx(3)]),
    isConfirmed: (id) => id === CONFIRMED_ID,
    isKnownMiner: (idx) => idx === MINER,
    sealedHashAt: () => undefined,
    ...over,
  };
}

export interface BlockOpts {
  txs?: TxRecord[];
  header?: Partial<Omit<BlockHeader, 'nonce'>>;
  /** The miner in the header (default: minerIdx). */
  minerIdx?: string;
  /** The miner claiming the block, if not the one in the header. */
  claimedBy?: string;
  /** Pick a nonce that misses the difficulty. */
  highHash?: boolean;
}

/** A candidate for height 8 on TIP with payments 1 and 2, valid for view() unless told otherwise. */
export function block(o: BlockOpts = {}): CandidateBlock {
  const txs = o.txs ?? [vectorTx(1), vectorTx(2)];
  const minerIdx = o.minerIdx ?? MINER;
  const fields = {
    version: 1,
    height: 8n,
    prevHash: TIP_HASH,
    merkleRoot: txMerkleRoot(txs),
    timestampMs: 5_000n,
    difficulty: 1,
    miner: userIdxToBytes(minerIdx),
    ...o.header,
  };
  return Object.freeze({ header: mine(fields, { fail: o.highHash ?? false }), minerIdx: o.claimedBy ?? minerIdx, txs });
}
