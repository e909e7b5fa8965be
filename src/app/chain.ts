/** Reading blocks and verifying the whole chain from the stored headers and payments. */
import { IdxError } from '../domain/errors.ts';
import { decodeHeader, hashHeader } from '../domain/header.ts';
import { fromHex, toHex } from '../domain/hex.ts';
import { meetsDifficulty } from '../domain/pow.ts';
import { txMerkleRoot } from '../domain/merkle.ts';
import { bytesToUserIdx } from '../domain/ids.ts';
import { blocksFrom, findBlock, listBlocks, verdictsOf, type BlockRow, type VerdictRow } from '../infra/db/repos/chain.ts';
import { paymentsInBlock, paymentsInBlocks, type PaymentRow } from '../infra/db/repos/payments.ts';
import type { AppDeps } from './deps.ts';

export interface BlockDetail {
  readonly block: BlockRow;
  readonly verdicts: VerdictRow[];
  readonly payments: PaymentRow[];
}

export async function recentBlocks(deps: AppDeps, limit: number, before: bigint | null): Promise<BlockRow[]> {
  return listBlocks(deps.db, limit, before);
}

export async function blockAt(deps: AppDeps, height: bigint): Promise<BlockDetail> {
  const block = await findBlock(deps.db, height);
  if (!block) throw new IdxError('NOT_FOUND', `No block at height ${height}.`);
  const [verdicts, payments] = await Promise.all([verdictsOf(deps.db, height), paymentsInBlock(deps.db, height)]);
  return { block, verdicts, payments };
}

export type ChainVerdict =
  | { readonly valid: true; readonly height: bigint }
  | { readonly valid: false; readonly height: bigint; readonly badHeight: bigint; readonly reason: string };

const PAGE = 500;

/** Checks every block: header hash, linkage, height, proof of work, merkle root of its stored payments. */
export async function verifyChain(deps: AppDeps): Promise<ChainVerdict> {
  return deps.db.transaction().setIsolationLevel('repeatable read').execute(async (tx) => {
    let expectHeight = 1n;
    let prevHash = '0'.repeat(64);
    for (;;) {
      const blocks = await blocksFrom(tx, expectHeight, PAGE);
      if (blocks.length === 0) return { valid: true as const, height: expectHeight - 1n };
      const last = blocks[blocks.length - 1]!;
      const payments = await paymentsInBlocks(tx, expectHeight, last.height);
      const byBlock = new Map<bigint, PaymentRow[]>();
      for (const p of payments) {
        const list = byBlock.get(p.blockHeight!) ?? [];
        list.push(p);
        byBlock.set(p.blockHeight!, list);
      }
      for (const b of blocks) {
        const bad = (reason: string) => ({ valid: false as const, height: last.height, badHeight: b.height, reason });
        if (b.height !== expectHeight) return bad(`expected height ${expectHeight}, found ${b.height}`);
        let header;
        try {
          header = decodeHeader(fromHex(b.headerHex));
        } catch {
          return bad('the stored header cannot be decoded');
        }
        const hash = toHex(hashHeader(fromHex(b.headerHex)));
        if (hash !== b.hash) return bad('the stored hash does not match the header');
        if (header.height !== b.height) return bad('the header commits to another height');
        if (toHex(header.prevHash) !== prevHash || b.prevHash !== prevHash) return bad('the previous hash does not link');
        if (!meetsDifficulty(fromHex(hash), header.difficulty)) return bad('the proof of work does not meet the difficulty');
        if (bytesToUserIdx(header.miner) !== b.minerIdx) return bad('the miner does not match the header');
        const txs = byBlock.get(b.height) ?? [];
        if (txs.length !== b.txCount) return bad(`expected ${b.txCount} payments, found ${txs.length}`);
        if (toHex(txMerkleRoot(txs)) !== toHex(header.merkleRoot)) return bad('the merkle root does not match the payments');
        prevHash = hash;
        expectHeight = b.height + 1n;
      }
    }
  });
}
