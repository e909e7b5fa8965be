/**
 * What every connection to GET /api/events sees: `pool`, `blocks`, `banks`,
 * `board` and `chain`, each computed once per change for all connections,
 * never per client, and kept for the next connection.
 */
import type { AppDeps } from '../../../app/deps.ts';
import type { MiningPool } from '../../../mining/pool/coordinator.ts';
import { recentBlocks, verifyChain } from '../../../app/chain.ts';
import { listBanks } from '../../../infra/db/repos/chain.ts';
import { leaderboard, type MinerStatsRow } from '../../../infra/db/repos/miners.ts';
import { bankJson, blockJson } from '../../presenters.ts';
import { winRate } from '../mining.ts';
import { coalesce, frame, money } from './sse.ts';

/** The chain is re-verified at most this often (it reads every block). */
const CHAIN_GAP_MS = 5_000;

export interface Snapshots {
  /** The latest frames; null until first computed (and blocks, banks, chain after `forget`). */
  readonly blocks: string | null;
  readonly banks: string | null;
  readonly chain: string | null;
  readonly board: string | null;
  /** The pool version the board was read at (-1 before). */
  readonly boardVersion: number;
  /** Each re-reads its part, keeps its frame and broadcasts it; calls coalesce. */
  refreshLedger(): Promise<void>;
  /** At most every 5 s (it reads every block). */
  refreshChain(): Promise<void>;
  refreshBoard(): Promise<void>;
  /** `pool`, from the pool's status now. */
  poolFrame(): string;
  /** Drops blocks, banks and chain: stale, recomputed for the next connection. */
  forget(): void;
}

export function createSnapshots(opts: {
  readonly deps: AppDeps;
  readonly pool: MiningPool;
  readonly broadcast: (chunk: string) => void;
  readonly isClosed: () => boolean;
}): Snapshots {
  const { deps, pool, broadcast, isClosed } = opts;
  let blocksFrame: string | null = null;
  let banksFrame: string | null = null;
  let chainFrame: string | null = null;
  let boardFrame: string | null = null;
  let boardVersion = -1;

  const refreshLedger = coalesce(async () => {
    if (isClosed()) return;
    const [blocks, banks] = [await recentBlocks(deps, 10, null), await listBanks(deps.db)];
    blocksFrame = frame('blocks', { blocks: blocks.map(blockJson) });
    banksFrame = frame('banks', { banks: banks.map(bankJson) });
    broadcast(blocksFrame + banksFrame);
  });
  const refreshChain = coalesce(async () => {
    if (isClosed()) return;
    const v = await verifyChain(deps);
    chainFrame = frame(
      'chain',
      v.valid
        ? { valid: true, height: Number(v.height) }
        : { valid: false, height: Number(v.height), bad_height: Number(v.badHeight), reason: v.reason },
    );
    broadcast(chainFrame);
  }, CHAIN_GAP_MS);
  const refreshBoard = coalesce(async () => {
    if (isClosed()) return;
    const version = pool.version;
    const rows = (list: MinerStatsRow[]) =>
      list.map((s, i) => ({
        rank: i + 1,
        user_idx: s.userIdx,
        total_blocks_mined: s.totalBlocksMined,
        total_fees_earned: money(s.totalFeesEarned),
        win_rate: winRate(s.blocksWon, s.blocksLost),
        is_active: pool.isMining(s.userIdx),
      }));
    const byBlocks = await leaderboard(deps.db, 'blocks', 10);
    const byFees = await leaderboard(deps.db, 'fees', 10);
    boardVersion = version;
    boardFrame = frame('board', { blocks: rows(byBlocks.rows), fees: rows(byFees.rows), total_miners: byBlocks.total });
    broadcast(boardFrame);
  });
  const poolFrame = () => {
    const s = pool.status();
    return frame('pool', {
      active_miners: s.activeMiners,
      max_capacity: s.maxCapacity,
      is_running: s.isRunning,
      engine: s.engine,
      threads: s.threads,
      difficulty: deps.rules.difficulty,
      mining_height: s.height === null ? null : Number(s.height),
      system_miner_active: s.systemMinerActive,
      hash_rate_per_second: s.hashRate.toFixed(2),
      blocks_sealed: s.blocksSealed,
      version: pool.version,
    });
  };

  return {
    get blocks() {
      return blocksFrame;
    },
    get banks() {
      return banksFrame;
    },
    get chain() {
      return chainFrame;
    },
    get board() {
      return boardFrame;
    },
    get boardVersion() {
      return boardVersion;
    },
    refreshLedger,
    refreshChain,
    refreshBoard,
    poolFrame,
    forget: () => {
      blocksFrame = banksFrame = chainFrame = null;
    },
  };
}
