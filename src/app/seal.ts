/**
 * Sealing: a solved candidate block is validated by each of the six banks;
 * with at least four approvals the block, the verdicts, the settlement of its
 * payments, the fee credits and the miner's statistics commit in ONE database
 * statement (one transaction). Any refusal changes nothing.
 */

import { splitBankPool } from '../domain/fees.ts';
import { encodeHeader } from '../domain/header.ts';
import { toHex, fromHex } from '../domain/hex.ts';
import { SYSTEM_MINER_IDX } from '../domain/ids.ts';
import { runConsensus, type CandidateBlock, type Consensus, type LedgerView, type PendingTx, type RejectReason } from '../domain/validation.ts';
import type { PaymentRow } from '../infra/db/repos/payments.ts';
import { lockRace } from '../infra/db/repos/race.ts';
import { isLedgerMoved, lockTip, readSealView, writeSeal, type SealView, type SealWrite } from '../infra/db/repos/seal.ts';
import type { Executor } from '../infra/db/database.ts';
import { appendAudit } from '../infra/db/repos/audit.ts';
import type { AppDeps } from './deps.ts';

export interface SealRequest {
  readonly block: CandidateBlock;
  /** Other user miners that raced for this height (each gets blocks_lost + 1 when the block is accepted). */
  readonly racingMiners?: readonly string[];
  /**
   * Instead, for a large pool: the racing miners as the store's race marks
   * (migration 007), their losses deferred: every miner in the race except
   * the winner and `absent`, and `departed` (raced, left since).
   */
  readonly racingPool?: { readonly absent: readonly string[]; readonly departed: readonly string[] };
  /** How long the winning attempt took, for avg_mining_time_seconds. */
  readonly miningTimeMs?: number;
  /**
   * When set, an accepted seal also reads, in its own transaction, the oldest
   * pending payments (at most this many) that remain: the next round's
   * template, without another round trip to the store.
   */
  readonly nextBatch?: number;
}

/** What the next round needs after an accepted seal: the new tip and the payments still pending. */
export interface NextTemplate {
  readonly tip: { readonly height: bigint; readonly hash: string; readonly timestampMs: bigint };
  readonly pending: readonly PaymentRow[];
}

export type SealResult =
  | {
      readonly accepted: true;
      readonly height: bigint;
      readonly hash: string;
      readonly consensus: Consensus;
      readonly minerFee: bigint;
      readonly bankFees: bigint;
      /** Present when the request asked for `nextBatch`. */
      readonly next?: NextTemplate;
    }
  | { readonly accepted: false; readonly reason: RejectReason; readonly message: string; readonly consensus: Consensus | null };

function ledgerView(deps: AppDeps, block: CandidateBlock, v: SealView): LedgerView {
  const pending = new Map<string, PendingTx>();
  const confirmed = new Set<string>();
  for (const p of v.payments) {
    if (p.status === 'confirmed') confirmed.add(p.txId);
    else pending.set(p.txId, { ...p, held: p.amount + p.feeTotal });
  }
  const minerKnown = block.minerIdx === SYSTEM_MINER_IDX || v.minerKnown;
  const h = block.header.height;
  return {
    tip: { height: v.tip.height, hash: fromHex(v.tip.hash), timestampMs: v.tip.timestampMs },
    difficulty: deps.rules.difficulty,
    maxBatch: deps.rules.batchSize,
    nowMs: BigInt(deps.now()),
    maxFutureMs: deps.rules.maxFutureMs,
    pending,
    isConfirmed: (id) => confirmed.has(id),
    isKnownMiner: (idx) => idx === block.minerIdx && minerKnown,
    sealedHashAt: (height) => (height === h && v.sealedHash !== null ? fromHex(v.sealedHash) : undefined),
  };
}

/** Every write of an accepted block, as idx_seal_write takes them. */
function sealWrite(req: SealRequest, consensus: Consensus, height: bigint, hash: string, headerHex: string): { write: SealWrite; minerFee: bigint; bankFees: bigint } {
  const { block } = req;
  const isSystem = block.minerIdx === SYSTEM_MINER_IDX;
  let minerFee = 0n;
  let bankPool = 0n;
  const receivers = new Map<string, bigint>();
  for (const t of block.txs) {
    minerFee += t.feeMiner;
    bankPool += t.feeBanks;
    receivers.set(t.receiverIdx, (receivers.get(t.receiverIdx) ?? 0n) + t.amount);
  }
  // The system miner's 0.5% goes to the banks with their 1.0%.
  const bankFees = isSystem ? bankPool + minerFee : bankPool;
  const split = splitBankPool(bankFees, height);
  const credits = new Map(split.map((s) => [s.code as string, s.amount]));
  if (!isSystem) receivers.set(block.minerIdx, (receivers.get(block.minerIdx) ?? 0n) + minerFee);
  const write: SealWrite = {
    block: {
      height,
      hash,
      prevHash: toHex(block.header.prevHash),
      merkleRoot: toHex(block.header.merkleRoot),
      timestampMs: block.header.timestampMs,
      difficulty: block.header.difficulty,
      nonce: block.header.nonce,
      minerIdx: block.minerIdx,
      headerHex,
      feeMiner: isSystem ? 0n : minerFee,
      feeBanks: bankFees,
      approvals: consensus.approvals,
      miningTimeMs: req.miningTimeMs === undefined ? null : BigInt(Math.max(0, Math.round(req.miningTimeMs))),
    },
    verdicts: consensus.verdicts.map((v) => ({ bankCode: v.bank, approved: v.approved, reason: v.reason, message: v.message, credit: credits.get(v.bank) ?? 0n })),
    txIds: block.txs.map((t) => t.txId),
    userCredits: receivers,
    bankCredits: split,
    win: isSystem ? null : { feePaise: minerFee, miningTimeMs: req.miningTimeMs ?? 0 },
    losers: (req.racingMiners ?? []).filter((m) => m !== block.minerIdx && m !== SYSTEM_MINER_IDX),
    race: req.racingPool && !isSystem ? { winner: block.minerIdx, absent: req.racingPool.absent, departed: req.racingPool.departed } : null,
    audit: {
      actor: isSystem ? 'system' : block.minerIdx,
      at: new Date(),
      payload: {
        height,
        hash,
        miner: block.minerIdx,
        payments: block.txs.map((t) => t.txId),
        fee_miner: isSystem ? 0n : minerFee,
        fee_banks: bankFees,
        verdicts: consensus.verdicts.map((v) => ({ bank: v.bank, approved: v.approved, reason: v.reason })),
      },
    },
    next: req.nextBatch ?? null,
  };
  return { write, minerFee: isSystem ? 0n : minerFee, bankFees };
}

/** The banks validate what `ex` reads; an accepted block is written in one statement. */
async function attempt(deps: AppDeps, req: SealRequest, ex: Executor): Promise<SealResult> {
  const { block } = req;
  const height = block.header.height;
  const seen = await readSealView(ex, block.minerIdx, block.txs.map((t) => t.txId), height);
  const view = ledgerView(deps, block, seen);
  const consensus = runConsensus(block, view, deps.bankValidators);
  if (!consensus.accepted) {
    const reason = consensus.reason ?? 'QUORUM_NOT_REACHED';
    const first = consensus.verdicts.find((v) => !v.approved);
    return { accepted: false, reason, message: first?.message ?? 'The banks did not reach a quorum.', consensus };
  }
  const headerBytes = encodeHeader(block.header);
  const hash = toHex(consensus.hash); // the header hash the banks computed
  const { write, minerFee, bankFees } = sealWrite(req, consensus, height, hash, toHex(headerBytes));
  const pending = await writeSeal(ex, write);
  const next = req.nextBatch === undefined ? undefined : { tip: { height, hash, timestampMs: block.header.timestampMs }, pending };
  return { accepted: true, height, hash, consensus, minerFee, bankFees, ...(next ? { next } : {}) };
}

/**
 * Seals a solved block. The banks validate a snapshot and the write checks,
 * in the same statement that makes it, that the tip and the payments are
 * still what they read (two statements, no transaction held open between
 * them). If the ledger moved in between, the block is validated again under
 * the tip's lock, so the verdict is the one the current ledger deserves.
 */
export async function sealBlock(deps: AppDeps, req: SealRequest): Promise<SealResult> {
  const { block } = req;
  const db = deps.sealDb ?? deps.db;
  let result: SealResult;
  try {
    result = await attempt(deps, req, db);
  } catch (e) {
    if (!isLedgerMoved(e)) throw e;
    result = await db.transaction().execute(async (tx) => {
      if (req.racingPool) await lockRace(tx); // the race counter before the tip, as everywhere
      await lockTip(tx);
      return attempt(deps, req, tx);
    });
  }
  if (result.accepted) {
    deps.events.blockSealed(result.height, result.hash, block.minerIdx, block.txs.length);
    return result;
  }
  await appendAudit(deps.db, {
    actor: block.minerIdx === SYSTEM_MINER_IDX ? 'system' : block.minerIdx,
    action: 'solution.rejected',
    payload: {
      height: block.header.height,
      reason: result.reason,
      verdicts: result.consensus ? result.consensus.verdicts.map((v) => ({ bank: v.bank, approved: v.approved, reason: v.reason })) : [],
    },
  });
  return result;
}
