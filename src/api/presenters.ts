/** Rows to JSON: money as strings with two decimals, heights as numbers, times as ISO strings. */
import { formatPaise } from '../domain/money.ts';
import { SYSTEM_MINER_IDX } from '../domain/ids.ts';
import type { PaymentRow } from '../infra/db/repos/payments.ts';
import type { BankRow, BlockRow, VerdictRow } from '../infra/db/repos/chain.ts';

export function paymentJson(p: PaymentRow) {
  return {
    tx_id: p.txId,
    sender_idx: p.senderIdx,
    receiver_idx: p.receiverIdx,
    amount: formatPaise(p.amount),
    fee_total: formatPaise(p.feeTotal),
    fee_miner: formatPaise(p.feeMiner),
    fee_banks: formatPaise(p.feeBanks),
    status: p.status,
    block_height: p.blockHeight === null ? null : Number(p.blockHeight),
    created_at: p.createdAt.toISOString(),
    confirmed_at: p.confirmedAt ? p.confirmedAt.toISOString() : null,
  };
}

export function bankJson(b: BankRow) {
  return { code: b.code, name: b.name, balance: formatPaise(b.balance) };
}

export function blockJson(b: BlockRow) {
  return {
    height: Number(b.height),
    hash: b.hash,
    prev_hash: b.prevHash,
    merkle_root: b.merkleRoot,
    timestamp: new Date(Number(b.timestampMs)).toISOString(),
    difficulty: b.difficulty,
    nonce: b.nonce,
    miner_idx: b.minerIdx,
    system_miner: b.minerIdx === SYSTEM_MINER_IDX,
    tx_count: b.txCount,
    fee_miner: formatPaise(b.feeMiner),
    fee_banks: formatPaise(b.feeBanks),
    approvals: b.approvals,
    mining_time_seconds: b.miningTimeMs === null ? null : (Number(b.miningTimeMs) / 1000).toFixed(2),
    sealed_at: b.sealedAt.toISOString(),
  };
}

export function verdictJson(v: VerdictRow) {
  return { bank: v.bankCode, approved: v.approved, reason: v.reason, message: v.message, fee_credit: formatPaise(v.credit) };
}
