/**
 * The pool's lookahead: pending payments known to follow the rounds in
 * flight, oldest (by seq) first: the templates of the next rounds, so a
 * round can start on a solution without a round trip to the store.
 *
 * It is filled from the store (a template read, or the pending payments a
 * seal returns) and, while it is `complete` (every pending payment no round
 * holds is in it: the last read came back short of what was asked), by
 * payments as they are accepted. Once it would grow past its cap, or a read
 * came back full, it is incomplete: newer payments wait for the next read, so
 * older ones are never passed over.
 */
import type { TxRecord } from '../../domain/transaction.ts';

/** A pending payment as the pool holds it: what a block commits to, and its arrival order. */
export type PendingTx = TxRecord & { readonly seq: bigint; readonly createdAt: Date };

export class Lookahead {
  private items: PendingTx[] = [];
  private readonly ids = new Set<string>();
  private complete = false;

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Whether every pending payment outside the rounds in flight is known to be here. */
  get isComplete(): boolean {
    return this.complete;
  }

  /** A read of the store: `window` the oldest pending payments, `asked` how many were asked for. */
  reset(window: readonly PendingTx[], asked: number): void {
    this.set(window.slice(0, this.cap), window.length < asked && window.length <= this.cap);
  }

  /**
   * A seal's read while rounds still run: what it returned, less what the
   * rounds in flight hold, with what is here, in arrival order. Complete when
   * it was (every newer payment was offered since) or the read was short.
   */
  merge(window: readonly PendingTx[], asked: number, held: ReadonlySet<string>): void {
    const fresh = window.filter((t) => !held.has(t.txId));
    if (!this.complete && window.length >= asked) {
      this.set(fresh.slice(0, this.cap), false);
      return;
    }
    const seen = new Set(fresh.map((t) => t.txId));
    const all = [...fresh, ...this.items.filter((t) => !seen.has(t.txId) && !held.has(t.txId))];
    all.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    this.set(all.slice(0, this.cap), all.length <= this.cap);
  }

  /** A payment just accepted: appended when the lookahead is complete and it is not held already; whether it was. */
  offer(tx: PendingTx, held: ReadonlySet<string>): boolean {
    if (!this.complete || this.ids.has(tx.txId) || held.has(tx.txId)) return false;
    if (this.items.length >= this.cap) {
      this.complete = false;
      return false;
    }
    this.items.push(tx);
    this.ids.add(tx.txId);
    return true;
  }

  /** The next `n` payments, removed. */
  take(n: number): PendingTx[] {
    const out = this.items.slice(0, n);
    this.items = this.items.slice(n);
    for (const t of out) this.ids.delete(t.txId);
    return out;
  }

  /** These payments, removed (a staged round took them). */
  remove(txs: readonly PendingTx[]): void {
    const gone = new Set(txs.map((t) => t.txId));
    this.items = this.items.filter((t) => !gone.has(t.txId));
    for (const id of gone) this.ids.delete(id);
  }

  /** The next `n` payments, left in place. */
  peek(n: number): readonly PendingTx[] {
    return this.items.slice(0, n);
  }

  clear(): void {
    this.set([], false);
  }

  private set(items: PendingTx[], complete: boolean): void {
    this.items = items;
    this.ids.clear();
    for (const t of items) this.ids.add(t.txId);
    this.complete = complete;
  }
}
