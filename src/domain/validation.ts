/**
 * Block validation as each bank performs it, with typed reasons, and the
 * six-bank consensus (accepted with at least QUORUM approvals).
 */
import { BANK_CODES, QUORUM, type BankCode } from './banks.ts';
import { computeFees } from './fees.ts';
import { encodeHeader, hashHeader, type BlockHeader } from './header.ts';
import { bytesEqual } from './hex.ts';
import { SYSTEM_MINER_IDX, USER_IDX_RE, userIdxToBytes } from './ids.ts';
import { txMerkleRoot } from './merkle.ts';
import { meetsDifficulty } from './pow.ts';
import type { TxRecord } from './transaction.ts';

export const REJECT_REASONS = [
  'DUPLICATE_BLOCK',
  'WRONG_HEIGHT',
  'WRONG_PREVIOUS_HASH',
  'WRONG_DIFFICULTY',
  'HIGH_HASH',
  'TIMESTAMP_TOO_FAR_AHEAD',
  'TIMESTAMP_BEFORE_PREVIOUS',
  'UNKNOWN_MINER',
  'MINER_MISMATCH',
  'EMPTY_BLOCK',
  'BLOCK_TOO_LARGE',
  'WRONG_MERKLE_ROOT',
  'DUPLICATE_TRANSACTION',
  'ALREADY_CONFIRMED',
  'UNKNOWN_TRANSACTION',
  'TRANSACTION_MISMATCH',
  'WRONG_FEE',
  'INSUFFICIENT_FUNDS',
  'QUORUM_NOT_REACHED',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface CandidateBlock {
  readonly header: BlockHeader;
  readonly minerIdx: string;
  readonly txs: ReadonlyArray<TxRecord>;
}

export interface ChainTip {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly timestampMs: bigint;
}

export interface PendingTx extends TxRecord {
  /** Funds held for it at payment time: amount + fee_total. */
  readonly held: bigint;
}

export interface LedgerView {
  readonly tip: ChainTip;
  readonly difficulty: number;
  readonly maxBatch: number;
  readonly nowMs: bigint;
  readonly maxFutureMs: bigint;
  readonly pending: ReadonlyMap<string, PendingTx>;
  isConfirmed(txId: string): boolean;
  isKnownMiner(userIdx: string): boolean;
  sealedHashAt(height: bigint): Uint8Array | undefined;
}

export type Verdict =
  | { readonly ok: true; readonly hash: Uint8Array }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

const no = (reason: RejectReason, message: string): Verdict => Object.freeze({ ok: false, reason, message });

/**
 * One bank's check of a candidate block. The checks run in this order and the
 * first failure is returned, so a block with one crafted fault fails with
 * exactly that fault's reason:
 *   DUPLICATE_BLOCK (height <= tip and the block sealed there has this hash),
 *   WRONG_HEIGHT, WRONG_PREVIOUS_HASH, WRONG_DIFFICULTY, HIGH_HASH,
 *   TIMESTAMP_TOO_FAR_AHEAD (> nowMs + maxFutureMs), TIMESTAMP_BEFORE_PREVIOUS,
 *   UNKNOWN_MINER (the system miner is always known), MINER_MISMATCH,
 *   EMPTY_BLOCK, BLOCK_TOO_LARGE, WRONG_MERKLE_ROOT, then per payment in order:
 *   DUPLICATE_TRANSACTION, ALREADY_CONFIRMED, UNKNOWN_TRANSACTION (not pending),
 *   TRANSACTION_MISMATCH (sender, receiver or amount differ from the pending
 *   record), WRONG_FEE (fees differ from computeFees(amount) or from the
 *   pending record), INSUFFICIENT_FUNDS (amount + fee_total > funds held).
 */
export function validateBlock(block: CandidateBlock, view: LedgerView): Verdict {
  const h = block.header;
  const hash = hashHeader(encodeHeader(h));
  if (h.height <= view.tip.height) {
    const sealed = view.sealedHashAt(h.height);
    if (sealed && bytesEqual(sealed, hash)) return no('DUPLICATE_BLOCK', `This block was already accepted at height ${h.height}.`);
  }
  const next = view.tip.height + 1n;
  if (h.height !== next) return no('WRONG_HEIGHT', `The block is for height ${h.height}, but the next height is ${next}.`);
  if (!bytesEqual(h.prevHash, view.tip.hash)) {
    return no('WRONG_PREVIOUS_HASH', `The previous hash is not the hash of the block at height ${view.tip.height}.`);
  }
  if (h.difficulty !== view.difficulty) {
    return no('WRONG_DIFFICULTY', `The block claims difficulty ${h.difficulty}, but the chain requires ${view.difficulty}.`);
  }
  if (!meetsDifficulty(hash, h.difficulty)) return no('HIGH_HASH', `The block hash does not begin with ${h.difficulty} zeros.`);
  if (h.timestampMs > view.nowMs + view.maxFutureMs) {
    return no('TIMESTAMP_TOO_FAR_AHEAD', `The timestamp is more than ${view.maxFutureMs} ms ahead of the banks' clock.`);
  }
  if (h.timestampMs < view.tip.timestampMs) return no('TIMESTAMP_BEFORE_PREVIOUS', 'The timestamp is earlier than the previous block.');
  const isSystem = block.minerIdx === SYSTEM_MINER_IDX;
  if (!USER_IDX_RE.test(block.minerIdx) || (!isSystem && !view.isKnownMiner(block.minerIdx))) {
    return no('UNKNOWN_MINER', 'The miner is not a registered user.');
  }
  if (!bytesEqual(userIdxToBytes(block.minerIdx), h.miner)) {
    return no('MINER_MISMATCH', 'The miner claiming the block is not the miner committed in its header.');
  }
  if (block.txs.length === 0) return no('EMPTY_BLOCK', 'A block must contain at least one payment.');
  if (block.txs.length > view.maxBatch) {
    return no('BLOCK_TOO_LARGE', `The block has ${block.txs.length} payments; a block holds at most ${view.maxBatch}.`);
  }
  if (!bytesEqual(txMerkleRoot(block.txs), h.merkleRoot)) {
    return no('WRONG_MERKLE_ROOT', "The header's merkle root does not match the block's payments.");
  }
  const seen = new Set<string>();
  for (const tx of block.txs) {
    if (seen.has(tx.txId)) return no('DUPLICATE_TRANSACTION', `Payment ${tx.txId} appears more than once in the block.`);
    seen.add(tx.txId);
    if (view.isConfirmed(tx.txId)) return no('ALREADY_CONFIRMED', `Payment ${tx.txId} is already confirmed in an earlier block.`);
    const p = view.pending.get(tx.txId);
    if (!p) return no('UNKNOWN_TRANSACTION', `Payment ${tx.txId} is not a pending payment.`);
    if (p.senderIdx !== tx.senderIdx || p.receiverIdx !== tx.receiverIdx || p.amount !== tx.amount) {
      return no('TRANSACTION_MISMATCH', `Payment ${tx.txId} differs from the pending record (sender, receiver or amount).`);
    }
    const f = computeFees(tx.amount);
    const feesOk =
      f.feeTotal === tx.feeTotal && f.feeMiner === tx.feeMiner && f.feeBanks === tx.feeBanks &&
      p.feeTotal === tx.feeTotal && p.feeMiner === tx.feeMiner && p.feeBanks === tx.feeBanks;
    if (!feesOk) return no('WRONG_FEE', `Payment ${tx.txId} does not carry the 1.5% fee (0.5% miner, 1.0% banks) of its amount.`);
    if (tx.amount + tx.feeTotal > p.held) {
      return no('INSUFFICIENT_FUNDS', `The funds held for payment ${tx.txId} do not cover its amount and fee.`);
    }
  }
  return Object.freeze({ ok: true, hash });
}

export type BankValidator = (block: CandidateBlock, view: LedgerView) => Verdict;

export interface BankVerdict {
  readonly bank: BankCode;
  readonly approved: boolean;
  readonly reason: RejectReason | null;
  readonly message: string | null;
}

export interface Consensus {
  readonly accepted: boolean;
  readonly approvals: number;
  readonly verdicts: ReadonlyArray<BankVerdict>;
  readonly hash: Uint8Array;
  /**
   * Null when accepted. When refused: if no bank approved and every bank gave
   * the same reason, that reason (e.g. HIGH_HASH); otherwise (at least one
   * approval, or the banks disagree) QUORUM_NOT_REACHED.
   */
  readonly reason: RejectReason | null;
}

/**
 * Each of the six banks validates independently (validators[bank], default
 * validateBlock), in BANK_CODES order; the block is accepted with at least
 * QUORUM approvals. See Consensus.reason for the reason of a refusal.
 */
export function runConsensus(
  block: CandidateBlock,
  view: LedgerView,
  validators: Partial<Record<BankCode, BankValidator>> = {},
): Consensus {
  const verdicts = BANK_CODES.map((bank): BankVerdict => {
    const v = (validators[bank] ?? validateBlock)(block, view);
    return Object.freeze(v.ok ? { bank, approved: true, reason: null, message: null } : { bank, approved: false, reason: v.reason, message: v.message });
  });
  const approvals = verdicts.filter((v) => v.approved).length;
  const accepted = approvals >= QUORUM;
  let reason: RejectReason | null = null;
  if (!accepted) {
    const reasons = new Set(verdicts.filter((v) => !v.approved).map((v) => v.reason));
    reason = approvals === 0 && reasons.size === 1 ? [...reasons][0]! : 'QUORUM_NOT_REACHED';
  }
  return Object.freeze({ accepted, approvals, verdicts: Object.freeze(verdicts), hash: hashHeader(encodeHeader(block.header)), reason });
}
