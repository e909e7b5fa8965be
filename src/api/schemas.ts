/** TypeBox schemas shared by the routes: requests are validated here first, then again in the domain. */
import { Type, type TSchema } from 'typebox';

/** Money in requests: a JSON number or a decimal string (the domain enforces the format). */
export const MoneyInput = Type.Unsafe<number | string>({
  type: ['number', 'string'],
  description: 'Rupees as a JSON number or a decimal string with at most two decimals, e.g. "500.00".',
  examples: ['500.00', 1000],
});

export const Money = Type.String({ pattern: '^-?[0-9]+\\.[0-9]{2}$', description: 'Rupees with exactly two decimals.', examples: ['500.00'] });
export const UserIdx = Type.String({ description: 'A user id: IDX_ and 32 hex digits.', examples: ['IDX_0f1e2d3c4b5a69788796a5b4c3d2e1f0'] });
export const Timestamp = Type.String({ format: 'date-time' });

export const ErrorResponse = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String({ description: 'A clear sentence.' }),
    code: Type.String({ description: 'A machine code, e.g. INSUFFICIENT_FUNDS.' }),
  },
  { $id: 'ErrorResponse' },
);

export const TransactionView = Type.Object({
  tx_id: Type.String(),
  sender_idx: UserIdx,
  receiver_idx: UserIdx,
  amount: Money,
  fee_total: Money,
  fee_miner: Money,
  fee_banks: Money,
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed')]),
  block_height: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Timestamp,
  confirmed_at: Type.Union([Timestamp, Type.Null()]),
});

export const BankView = Type.Object({ code: Type.String(), name: Type.String(), balance: Money });

export const BlockSummary = Type.Object({
  height: Type.Integer(),
  hash: Type.String(),
  prev_hash: Type.String(),
  merkle_root: Type.String(),
  timestamp: Timestamp,
  difficulty: Type.Integer(),
  nonce: Type.Integer(),
  miner_idx: Type.String(),
  system_miner: Type.Boolean(),
  tx_count: Type.Integer(),
  fee_miner: Money,
  fee_banks: Money,
  approvals: Type.Integer(),
  mining_time_seconds: Type.Union([Type.String(), Type.Null()]),
  sealed_at: Timestamp,
});

export const Verdict = Type.Object({
  bank: Type.String(),
  approved: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  fee_credit: Money,
});

/** Standard error responses for a route, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('ErrorResponse');
  return out;
}
