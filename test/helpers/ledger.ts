/** Builds a ledger for tests and drives it: users, tokens, payments, solved blocks, invariants. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/infra/config.ts';
import { createLedger, type Ledger, type LedgerOptions } from '../../src/compose.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';
import { oldestPending } from '../../src/infra/db/repos/payments.ts';
import { readTip } from '../../src/infra/db/repos/chain.ts';
import { sealBlock, type SealResult } from '../../src/app/seal.ts';
import { createHeader, encodeHeader, hashHeader, type BlockHeader } from '../../src/domain/header.ts';
import { txMerkleRoot } from '../../src/domain/merkle.ts';
import { fromHex } from '../../src/domain/hex.ts';
import { userIdxToBytes } from '../../src/domain/ids.ts';
import { meetsDifficulty } from '../../src/domain/pow.ts';
import type { TxRecord } from '../../src/domain/transaction.ts';
import { validateBlock, type BankValidator, type CandidateBlock, type LedgerView } from '../../src/domain/validation.ts';
import { createPgliteStore, createPostgresStore, type TestStore } from './stores.ts';
import type { Executor } from '../../src/infra/db/database.ts';

export function tempDir(prefix = 'idx-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({
    DATA_DIR: tempDir(),
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    SCRYPT_COST: '1024',
    DIFFICULTY: '1',
    LOG_LEVEL: 'silent',
    SYSTEM_MINER: 'off',
    MINING_THREADS: '0',
    ...env,
  });
}

export interface TestLedger extends Ledger {
  readonly testStore: TestStore;
  stop(): Promise<void>;
}

/** A ledger on the named store (PGlite in memory by default, or a fresh PostgreSQL database). */
export async function startLedger(
  kind: 'pglite' | 'postgres',
  opts: Partial<LedgerOptions> & { env?: Record<string, string>; testStore?: TestStore } = {},
): Promise<TestLedger> {
  const config = opts.config ?? testConfig(opts.env);
  const testStore = opts.testStore ?? (kind === 'postgres' ? await createPostgresStore() : createPgliteStore(null));
  const ledger = await createLedger({ ...opts, config, store: testStore.options, logger: opts.logger ?? false });
  return {
    ...ledger,
    testStore,
    stop: async () => {
      await ledger.close();
    },
  };
}

let panCounter = 0;
export function nextPan(): string {
  panCounter++;
  const n = (panCounter + process.pid * 7) % 10000;
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const a = letters[Math.floor(panCounter / 26 / 26) % 26]!;
  const b = letters[Math.floor(panCounter / 26) % 26]!;
  const c = letters[panCounter % 26]!;
  return `TS${a}${b}${c}${String(n).padStart(4, '0')}Z`;
}

export interface TestUser {
  readonly pan: string;
  readonly rbi: string;
  readonly userIdx: string;
  readonly token: string;
  readonly auth: { authorization: string };
}

export async function registerUser(ledger: Ledger, balance: string | number = '10000.00', bank = 'HDFC'): Promise<TestUser> {
  const pan = nextPan();
  const rbi = `rbi-${pan}`;
  const reg = await ledger.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { pan_card: pan, rbi_number: rbi, full_name: `User ${pan}`, initial_balance: balance },
  });
  assert.equal(reg.statusCode, 201, reg.body);
  const login = await ledger.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { pan_card: pan, rbi_number: rbi, bank_name: bank },
  });
  assert.equal(login.statusCode, 200, login.body);
  const token = login.json().token as string;
  return { pan, rbi, userIdx: reg.json().user.user_idx, token, auth: { authorization: `Bearer ${token}` } };
}

export async function payVia(ledger: Ledger, from: TestUser, to: string, amount: string | number, key?: string) {
  return ledger.app.inject({
    method: 'POST',
    url: '/api/transactions',
    headers: { ...from.auth, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { receiver_idx: to, amount },
  });
}

/** The conservation invariant of SPEC §2, exactly, plus no negative balance. */
export async function assertConserved(db: Executor): Promise<void> {
  const t = await ledgerTotals(db);
  assert.equal(t.users + t.held + t.banks, t.initial, `not conserved: users ${t.users} + held ${t.held} + banks ${t.banks} != initial ${t.initial}`);
}

/** Solves a header by brute force (tests run at difficulty 1-2). */
export function solve(fields: Omit<BlockHeader, 'nonce'>): BlockHeader {
  for (let nonce = 0; nonce < 0xffffffff; nonce++) {
    const h = createHeader({ ...fields, nonce });
    if (meetsDifficulty(hashHeader(encodeHeader(h)), fields.difficulty)) return h;
  }
  throw new Error('no nonce');
}

/** A valid candidate for the next height from the oldest pending payments. */
export async function candidate(ledger: Ledger, minerIdx: string, opts: { txs?: TxRecord[]; limit?: number } = {}): Promise<CandidateBlock> {
  const tip = await readTip(ledger.store.db, false);
  const txs = opts.txs ?? (await oldestPending(ledger.store.db, opts.limit ?? ledger.deps.rules.batchSize));
  const header = solve({
    version: 1,
    height: tip.height + 1n,
    prevHash: fromHex(tip.hash),
    merkleRoot: txMerkleRoot(txs),
    timestampMs: BigInt(Math.max(Date.now(), Number(tip.timestampMs))),
    difficulty: ledger.deps.rules.difficulty,
    miner: userIdxToBytes(minerIdx),
  });
  return { header, minerIdx, txs };
}

export async function mineOnce(ledger: Ledger, minerIdx: string, racing: string[] = []): Promise<SealResult> {
  const block = await candidate(ledger, minerIdx);
  return sealBlock(ledger.deps, { block, racingMiners: racing, miningTimeMs: 1000 });
}

/** Bank validators for startLedger: three banks (no quorum) refuse the block at `height`; every other block is validated as usual. */
export function refusingAt(height: bigint | null): Pick<LedgerOptions, 'bankValidators'> {
  if (height === null) return {};
  const refuse: BankValidator = (block: CandidateBlock, view: LedgerView) =>
    block.header.height === height ? { ok: false as const, reason: 'INSUFFICIENT_FUNDS' as const, message: 'refused by the test' } : validateBlock(block, view);
  return { bankValidators: { SBI: refuse, HDFC: refuse, ICICI: refuse } };
}
