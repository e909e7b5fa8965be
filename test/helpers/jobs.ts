/** Mining jobs for the hasher tests: a base header per job id, miner bytes from names. */
import { createHash } from 'node:crypto';
import { createMinerSet } from '../../src/mining/workers/job.ts';
import type { MinerSet, MiningJob } from '../../src/mining/workers/types.ts';
import { targetForDifficulty } from '../../src/domain/pow.ts';

export const minerBytes = (m: string) => createHash('sha256').update(m).digest().subarray(0, 16);

/** Miners A and B. */
export const twoMiners: MinerSet = createMinerSet(['A', 'B'], minerBytes);

/** A header of 108 bytes that differs per job id (its nonce zero). */
export function jobBase(jobId: number): Uint8Array {
  const base = new Uint8Array(108);
  for (let i = 0; i < 104; i++) base[i] = (jobId * 131 + i * 7) & 0xff;
  return base;
}

export function testJob(jobId: number, difficulty: number, miners: MinerSet = twoMiners): MiningJob {
  return { jobId, height: BigInt(jobId), target: targetForDifficulty(difficulty), base: jobBase(jobId), miners };
}
