/**
 * The pool's active miners (local ones hash on our threads, remote ones on
 * their own machines) and the MinerSets a round hands out: built when the
 * membership changes, never per round, so a round costs the same for 10
 * miners or 10,000.
 */
import { SYSTEM_MINER_IDX } from '../../domain/ids.ts';
import { createMinerSet } from '../workers/job.ts';
import type { MinerSet } from '../workers/types.ts';
import { MinerBytes } from './round.ts';

interface Sets {
  readonly ids: readonly string[];
  /** Every active miner (what remote miners and listeners hear). */
  readonly full: MinerSet;
  /** The local ones (what our threads hash); `full` itself when none is remote. */
  readonly local: MinerSet;
}

export class MinerRoster {
  private readonly active = new Set<string>();
  private readonly remote = new Set<string>();
  private sets: Sets | null = null;
  private system: MinerSet | null = null;
  private readonly bytes = new MinerBytes(100_000);

  get size(): number {
    return this.active.size;
  }

  has(userIdx: string): boolean {
    return this.active.has(userIdx);
  }

  isRemote(userIdx: string): boolean {
    return this.remote.has(userIdx);
  }

  add(userIdx: string, remote = false): void {
    this.active.add(userIdx);
    if (remote) this.remote.add(userIdx);
    this.sets = null;
  }

  delete(userIdx: string): void {
    this.active.delete(userIdx);
    this.remote.delete(userIdx);
    this.sets = null;
  }

  /** The active miners in join order (shared until the membership changes: do not modify). */
  ids(): readonly string[] {
    return this.current().ids;
  }

  full(): MinerSet {
    return this.current().full;
  }

  local(): MinerSet {
    return this.current().local;
  }

  /**
   * A round's racing miners (`ids`, the roster's ids when it started)
   * relative to the roster now: `absent` are in the roster but did not race,
   * `departed` raced but are no longer in it. Both empty, at no cost, while
   * the membership has not changed.
   */
  since(ids: readonly string[]): { absent: string[]; departed: string[] } {
    if (ids === this.ids()) return { absent: [], departed: [] };
    const raced = new Set(ids);
    return { absent: this.ids().filter((m) => !raced.has(m)), departed: ids.filter((m) => !this.active.has(m)) };
  }

  /** The consortium's own miner, alone (when no user mines). */
  systemSet(): MinerSet {
    return (this.system ??= createMinerSet([SYSTEM_MINER_IDX], (m) => this.bytes.of(m)));
  }

  private current(): Sets {
    if (this.sets) return this.sets;
    const ids = [...this.active];
    const full = createMinerSet(ids, (m) => this.bytes.of(m));
    const local = this.remote.size === 0 ? full : createMinerSet(ids.filter((m) => !this.remote.has(m)), (m) => this.bytes.of(m));
    return (this.sets = { ids: full.ids, full, local });
  }
}
