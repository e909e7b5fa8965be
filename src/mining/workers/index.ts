/** The Hasher factory: worker threads, or the single-thread twin when threads is 0. */
import { createEngine } from '../engines/index.ts';
import type { EngineName } from '../engines/types.ts';
import { createInlineHasher } from './inline-hasher.ts';
import { createThreadHasher } from './thread-hasher.ts';
import type { Hasher } from './types.ts';

export type { Hasher, MiningJob, Solution, HashProgress, MinerCandidate, MinerSet } from './types.ts';

/**
 * `nice`: the hashing threads' nice value (default 19: the API's threads come
 * first); `adapt`: give work only to as many threads as get a core (fold.ts).
 */
export async function createHasher(opts: { threads: number; engine: EngineName; nice?: number; adapt?: boolean }): Promise<Hasher> {
  if (opts.threads === 0) return createInlineHasher({ engine: createEngine(opts.engine) });
  return createThreadHasher(opts);
}
