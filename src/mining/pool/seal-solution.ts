/** A round's solution through the ledger's seal use case, with its log line. */
import { decodeHeader } from '../../domain/header.ts';
import { sealBlock, type SealRequest, type SealResult } from '../../app/seal.ts';
import type { AppDeps } from '../../app/deps.ts';
import type { Solution } from '../workers/types.ts';
import type { PoolLog, Round } from './types.ts';

/** Who raced: the round's miners named, or (a large pool) relative to the store's race marks. */
export type Racing = Pick<SealRequest, 'racingMiners' | 'racingPool'>;

/** Seals `s` (the round's payments, who raced); asks for `nextBatch` pending payments back. Null when the store failed. */
export async function sealSolution(deps: AppDeps, round: Round, s: Solution, racing: Racing, nextBatch: number, log: PoolLog): Promise<SealResult | null> {
  let result: SealResult;
  try {
    result = await sealBlock(deps, {
      block: { header: decodeHeader(s.header), minerIdx: s.minerIdx, txs: round.txs },
      ...racing,
      miningTimeMs: deps.now() - round.startedAt,
      nextBatch,
    });
  } catch (e) {
    log.error({ err: e }, 'sealing failed');
    return null;
  }
  if (result.accepted) log.info({ height: Number(result.height), miner: s.minerIdx, txs: round.txs.length }, 'block sealed');
  else log.warn({ reason: result.reason, miner: s.minerIdx }, 'solution refused');
  return result;
}
