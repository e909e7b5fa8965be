/** Users and their balances. Every function runs on the executor it is given. */
import type { Executor } from '../database.ts';

export interface UserRow {
  readonly userIdx: string;
  readonly panCard: string;
  readonly rbiHash: string;
  readonly fullName: string;
  readonly balance: bigint;
  readonly createdAt: Date;
}

export async function insertUser(
  ex: Executor,
  u: { userIdx: string; panCard: string; rbiHash: string; fullName: string; balance: bigint },
): Promise<'ok' | 'pan_taken' | 'idx_taken'> {
  const r = await ex
    .insertInto('users')
    .values({
      user_idx: u.userIdx,
      pan_card: u.panCard,
      rbi_hash: u.rbiHash,
      full_name: u.fullName,
      balance_paise: u.balance,
      initial_balance_paise: u.balance,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('user_idx')
    .executeTakeFirst();
  if (r) return 'ok';
  const pan = await ex.selectFrom('users').select('user_idx').where('pan_card', '=', u.panCard).executeTakeFirst();
  return pan ? 'pan_taken' : 'idx_taken';
}

function toUser(r: { user_idx: string; pan_card: string; rbi_hash: string; full_name: string; balance_paise: bigint; created_at: Date }): UserRow {
  return {
    userIdx: r.user_idx,
    panCard: r.pan_card,
    rbiHash: r.rbi_hash,
    fullName: r.full_name,
    balance: BigInt(r.balance_paise),
    createdAt: r.created_at,
  };
}

const USER_COLS = ['user_idx', 'pan_card', 'rbi_hash', 'full_name', 'balance_paise', 'created_at'] as const;

export async function findUserByPan(ex: Executor, pan: string): Promise<UserRow | null> {
  const r = await ex.selectFrom('users').select(USER_COLS).where('pan_card', '=', pan).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function findUser(ex: Executor, userIdx: string): Promise<UserRow | null> {
  const r = await ex.selectFrom('users').select(USER_COLS).where('user_idx', '=', userIdx).executeTakeFirst();
  return r ? toUser(r) : null;
}

export async function userExists(ex: Executor, userIdx: string): Promise<boolean> {
  const r = await ex.selectFrom('users').select('user_idx').where('user_idx', '=', userIdx).executeTakeFirst();
  return r !== undefined;
}

