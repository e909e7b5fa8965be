/** Register, log in, and read one's own account. */
import { IdxError } from '../domain/errors.ts';
import { parseAmount } from '../domain/money.ts';
import { parseBankCode } from '../domain/banks.ts';
import { maskPan, newUserIdx, parsePan } from '../domain/ids.ts';
import { formatPaise } from '../domain/money.ts';
import { appendAudit } from '../infra/db/repos/audit.ts';
import { findUser, findUserByPan, insertUser, type UserRow } from '../infra/db/repos/users.ts';
import { heldBy, recentPaymentsOf, type PaymentRow } from '../infra/db/repos/payments.ts';
import type { AppDeps } from './deps.ts';

export interface RegisterInput {
  readonly pan_card: unknown;
  readonly rbi_number: unknown;
  readonly full_name: unknown;
  readonly initial_balance: unknown;
}

function parseSecret(v: unknown): string {
  if (typeof v !== 'string' || v.length < 1 || v.length > 128 || /[\u0000-\u001f\u007f]/.test(v)) {
    throw new IdxError('VALIDATION_ERROR', 'rbi_number must be a string of 1 to 128 printable characters.');
  }
  return v;
}

function parseName(v: unknown): string {
  if (typeof v !== 'string') throw new IdxError('VALIDATION_ERROR', 'full_name must be a string.');
  const name = v.trim();
  if (name.length < 1 || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new IdxError('VALIDATION_ERROR', 'full_name must be 1 to 200 printable characters.');
  }
  return name;
}

export async function register(deps: AppDeps, input: RegisterInput): Promise<UserRow> {
  const pan = parsePan(input.pan_card);
  const secret = parseSecret(input.rbi_number);
  const fullName = parseName(input.full_name);
  const balance = parseAmount(input.initial_balance, 'initial_balance');
  const rbiHash = await deps.passwords.hash(secret);
  for (let attempt = 0; attempt < 3; attempt++) {
    const userIdx = newUserIdx(deps.random);
    const r = await deps.db.transaction().execute(async (tx) => {
      const inserted = await insertUser(tx, { userIdx, panCard: pan, rbiHash, fullName, balance });
      if (inserted === 'ok') {
        await appendAudit(tx, {
          actor: userIdx,
          action: 'user.registered',
          payload: { user_idx: userIdx, pan: maskPan(pan), full_name: fullName, initial_balance: formatPaise(balance) },
        });
      }
      return inserted;
    });
    if (r === 'pan_taken') throw new IdxError('PAN_ALREADY_REGISTERED', 'This PAN is already registered.');
    if (r === 'ok') {
      const u = await findUser(deps.db, userIdx);
      if (!u) throw new Error('registered user vanished');
      return u;
    }
  }
  throw new Error('could not draw a unique user_idx');
}

export interface LoginResult {
  readonly token: string;
  readonly userIdx: string;
  readonly expiresIn: number;
}

const BAD_LOGIN = 'The PAN, RBI number or bank is not correct.';

export async function login(deps: AppDeps, input: { pan_card: unknown; rbi_number: unknown; bank_name: unknown }): Promise<LoginResult> {
  const bank = parseBankCode(input.bank_name);
  const pan = parsePan(input.pan_card);
  const secret = parseSecret(input.rbi_number);
  const user = await findUserByPan(deps.db, pan);
  // Always run the slow hash, so known and unknown PANs take the same time.
  const ok = await deps.passwords.verify(secret, user?.rbiHash ?? null);
  if (!user || !ok) {
    await appendAudit(deps.db, { actor: 'anonymous', action: 'auth.login_failed', payload: { pan: maskPan(pan), bank } });
    throw new IdxError('INVALID_CREDENTIALS', BAD_LOGIN);
  }
  await appendAudit(deps.db, { actor: user.userIdx, action: 'auth.login', payload: { pan: maskPan(pan), bank } });
  return {
    token: deps.tokens.sign({ userIdx: user.userIdx, bank }),
    userIdx: user.userIdx,
    expiresIn: deps.tokens.expiresInSeconds,
  };
}

export interface AccountView {
  readonly user: UserRow;
  readonly held: bigint;
  readonly recent: PaymentRow[];
}

export async function myAccount(deps: AppDeps, userIdx: string): Promise<AccountView> {
  return deps.db.transaction().setIsolationLevel('repeatable read').execute(async (tx) => {
    const user = await findUser(tx, userIdx);
    if (!user) throw new IdxError('UNAUTHORIZED', 'The token names an unknown user.');
    const held = await heldBy(tx, userIdx);
    const recent = await recentPaymentsOf(tx, userIdx, 10);
    return { user, held, recent };
  });
}
