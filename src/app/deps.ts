/** What the use cases need, constructed once by the composition root and passed in. */
import type { Db } from '../infra/db/database.ts';
import type { PasswordHasher } from '../infra/security/passwords.ts';
import type { TokenService } from '../infra/security/tokens.ts';
import type { BankValidator } from '../domain/validation.ts';
import type { BankCode } from '../domain/banks.ts';
import type { PaymentReadCache } from './payment-cache.ts';
import type { HoldSink } from './hold-batcher.ts';
import type { Backlog } from './backlog.ts';
import type { PaymentRow } from '../infra/db/repos/payments.ts';

export interface LedgerRules {
  readonly difficulty: number;
  readonly batchSize: number;
  readonly maxFutureMs: bigint;
}

/** Notifications the ledger gives after a commit (the pool and live views listen). */
export interface LedgerEvents {
  /** A payment was held and is pending (committed). */
  paymentAccepted(payment: PaymentRow): void;
  blockSealed(height: bigint, hash: string, minerIdx: string, txCount: number): void;
}

export interface AppDeps {
  readonly db: Db;
  /** The same database with connections for the sealer that never wait behind ordinary requests (defaults to `db`). */
  readonly sealDb?: Db;
  readonly rules: LedgerRules;
  readonly passwords: PasswordHasher;
  readonly tokens: TokenService;
  readonly events: LedgerEvents;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  /** Per-bank validator overrides (tests model a dissenting bank). */
  readonly bankValidators?: Partial<Record<BankCode, BankValidator>>;
  /** Single-payment reads through a cache (the server wires one; use cases work without). */
  readonly paymentCache?: PaymentReadCache;
  /** Where payment holds go: the server's group-commit batcher (use cases default to one call per hold). */
  readonly holds?: HoldSink;
  /** Payments accepted and not yet sealed; past its limit new payments are refused with 503 (the server wires one). */
  readonly backlog?: Backlog;
}

export const noEvents: LedgerEvents = {
  paymentAccepted: () => {},
  blockSealed: () => {},
};
