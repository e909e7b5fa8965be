/**
 * PostgreSQL taken away from a running server (`npm start` in a child
 * process) through a TCP proxy the test cuts, while payments flow and the pool
 * seals blocks: first reset (the server is gone; cut in the middle of a seal),
 * then a hang (a partition: nothing crosses, nothing is refused). Meanwhile
 * /api/* answers 503 JSON with a code in bounded time, /health/live 200,
 * /health/ready 503, and the process stays up. Once the database is back the
 * server recovers by itself: ready, payments accepted, the interrupted seal
 * retried, the chain valid, the ledger conserved, every 201 stored.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { freePort, newUser, type BenchUser } from '../../bench/lib.ts';
import { openStore, type Store } from '../../src/infra/db/database.ts';
import { createPostgresStore, PG_ADMIN_URL, postgresAvailable, type TestStore } from '../helpers/stores.ts';
import { startTcpProxy, type CutMode, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { invariants } from '../helpers/invariants.ts';
import { tempDir } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

/** No request may take longer: a connection attempt (5 s) plus a statement (15 s) give up well before. */
const BOUND_MS = 45_000;

interface Reply {
  status: number;
  body: { success?: boolean; code?: string; [k: string]: unknown };
}

async function call(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  let r: Response;
  try {
    r = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(BOUND_MS),
    });
  } catch (e) {
    throw new Error(`${method} ${url}: no answer within ${BOUND_MS} ms (${(e as Error).message})`);
  }
  const text = await r.text();
  let parsed: Reply['body'];
  try {
    parsed = JSON.parse(text) as Reply['body'];
  } catch {
    throw new Error(`${method} ${url}: ${r.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: r.status, body: parsed };
}

/** A wait for the proxy's trigger that fails the test instead of hanging it. */
async function bounded(p: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not seen within ${ms} ms`)), ms)));
  try {
    await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const unavailable = (r: Reply, what: string) => {
  assert.equal(r.status, 503, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.success, false, what);
  assert.equal(r.body.code, 'SERVICE_UNAVAILABLE', what);
};

const pgAvailable = await postgresAvailable();
if (!pgAvailable && process.env.CI) throw new Error(`PostgreSQL is required in CI but ${PG_ADMIN_URL} is unreachable`);

describe('PostgreSQL cut while the server runs', { skip: pgAvailable ? false : `PostgreSQL at ${PG_ADMIN_URL} unreachable` }, () => {
  let pgStore: TestStore;
  let direct: Store; // the test's own connection, not through the proxy
  let proxy: TcpProxy;
  let proc: ChildProcess;
  let url: string;
  const logs: string[] = [];
  let exit: { code: number | null; signal: string | null } | null = null;
  const users: BenchUser[] = [];
  const acked = new Set<string>();
  const strange: string[] = []; // anything but 201 or 503 JSON from the payers
  let paying = true;
  let stopped = false; // the test stopped the server itself
  let payers: Promise<void>[] = [];

  before(async () => {
    pgStore = await createPostgresStore();
    direct = await openStore({ kind: 'postgres', url: pgStore.url!, poolSize: 2 });
    const { hostname, port } = new URL(PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 5432) });
    const httpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/server.ts'], {
      env: {
        ...process.env,
        PORT: String(httpPort),
        HOST: '127.0.0.1',
        DATA_DIR: tempDir('idx-pgcut-'),
        DATABASE_URL: proxy.via(pgStore.url!),
        LOG_LEVEL: 'warn',
        SCRYPT_COST: '1024',
        DIFFICULTY: '3',
        MINING_THREADS: '1',
        SYSTEM_MINER: 'on',
        SYSTEM_MINER_GRACE_SECONDS: '0',
        JWT_SECRET: 'pg-cut-test-secret-that-is-long-enough-0123',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (d: Buffer) => logs.push(...String(d).split('\n').filter(Boolean)));
    proc.on('exit', (code, signal) => (exit = { code, signal }));
    await waitFor('the server ready', async () => !exit && (await call(`${url}/health/ready`).catch(() => null))?.status === 200, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}; exit ${JSON.stringify(exit)}; log:\n${logs.slice(-20).join('\n')}`);
    });
    for (let i = 0; i < 5; i++) users.push(await newUser(url, '1000.00'));
    for (const m of users.slice(0, 2)) assert.equal((await call(`${url}/api/mining/start`, 'POST', undefined, m.headers)).status, 200);
    // Payers run through every phase: 201 while the database is there, 503 JSON while it is not.
    let n = 0;
    const payer = async (c: number) => {
      while (paying) {
        const i = n++;
        const from = users[(i + c) % users.length]!;
        const to = users[(i + c + 1 + (i % 3)) % users.length]!;
        const r = await call(`${url}/api/transactions`, 'POST', { receiver_idx: to.userIdx, amount: '1.00' }, { ...from.headers, 'idempotency-key': `k${i}` }).catch(
          (e: Error): Reply => ({ status: 0, body: { error: e.message } }),
        );
        if (r.status === 201) acked.add((r.body as { transaction: { tx_id: string } }).transaction.tx_id);
        else {
          if (r.status !== 503 || r.body.code !== 'SERVICE_UNAVAILABLE') strange.push(`${r.status} ${JSON.stringify(r.body)}`);
          await new Promise((res) => setTimeout(res, 100));
        }
      }
    };
    payers = [0, 1, 2].map(payer);
  });

  after(async () => {
    if (exit && !stopped) process.stderr.write(`# the server exited (${JSON.stringify(exit)}); its last log lines:\n${logs.slice(-30).join('\n')}\n`);
    paying = false;
    await Promise.all(payers);
    if (!exit) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    }
    await proxy?.close();
    await direct?.close();
    await pgStore?.drop();
  });

  const height = async () => {
    const r = await call(`${url}/api/blocks?limit=1`);
    return r.status === 200 ? ((r.body.blocks as Array<{ height: number }>)[0]?.height ?? 0) : null;
  };
  const sealed = async () => Number((await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM blocks`.execute(direct.db)).rows[0]!.n);

  /** While cut: every kind of request answers in bounded time with the right status; the process lives. */
  async function whileCut(mode: CutMode): Promise<void> {
    await waitFor('/health/ready to answer 503', async () => (await call(`${url}/health/ready`)).status === 503, BOUND_MS);
    unavailable(await call(`${url}/health/ready`), '/health/ready');
    assert.equal((await call(`${url}/health/live`)).status, 200, '/health/live');
    const u = users[0]!;
    unavailable(await call(`${url}/api/transactions`, 'POST', { receiver_idx: users[1]!.userIdx, amount: '1.00' }, u.headers), 'POST /api/transactions');
    unavailable(await call(`${url}/api/users/me`, 'GET', undefined, u.headers), 'GET /api/users/me');
    unavailable(await call(`${url}/api/blocks`), 'GET /api/blocks');
    unavailable(await call(`${url}/api/mining/stats`, 'GET', undefined, u.headers), 'GET /api/mining/stats');
    unavailable(await call(`${url}/api/auth/login`, 'POST', { pan_card: 'ABCDE1234F', rbi_number: 'x', bank_name: 'SBI' }), 'POST /api/auth/login');
    // Long enough for the pool to retry its round at least once against the missing database.
    await new Promise((r) => setTimeout(r, 3_000));
    unavailable(await call(`${url}/api/chain/verify`), `GET /api/chain/verify (${mode})`);
    assert.equal((await call(`${url}/health/live`)).status, 200, '/health/live, later');
    assert.equal(exit, null, 'the server process is still running');
  }

  /** After restore: ready, and payments accepted again, within a bounded time. */
  async function recovers(): Promise<void> {
    await waitFor('/health/ready to answer 200 again', async () => (await call(`${url}/health/ready`)).status === 200, 60_000);
    const before = acked.size;
    await waitFor('a payment accepted after the restore', async () => acked.size > before, 60_000);
    assert.equal(exit, null);
  }

  test('reset in the middle of sealing a block: 503 JSON, no crash; the seal is retried after the restore', async () => {
    await waitFor('blocks sealed before the cut', async () => (await height()) !== null && (await sealed()) >= 2, 60_000);
    // Cut exactly while a seal's transaction is open (its one write call, idx_seal_write, is on the wire).
    await bounded(proxy.cutWhen(/idx_seal_write/, 'reset'), 60_000, 'a seal on the wire');
    const blocksBefore = await sealed(); // the interrupted block is not among them
    await whileCut('reset');
    await proxy.restore();
    await recovers();
    await waitFor('blocks sealed again', async () => (await sealed()) > blocksBefore, 60_000);
    assert.ok(logs.some((l) => l.includes('sealing failed')), 'the interrupted seal was reported');
  });

  test('hang (a partition: nothing crosses): requests end with 503 in bounded time; recovery after the heal', async () => {
    const blocksBefore = await sealed();
    // The network goes silent exactly while a payment's statement (its Idempotency-Key lookup) is on the wire.
    const key = `hang-probe-${Date.now()}`;
    const cutting = proxy.cutWhen(new RegExp(key), 'hang');
    const inFlight = call(`${url}/api/transactions`, 'POST', { receiver_idx: users[3]!.userIdx, amount: '1.00' }, { ...users[2]!.headers, 'idempotency-key': key });
    await bounded(cutting, 60_000, 'the probe payment on the wire');
    await whileCut('hang');
    unavailable(await inFlight, 'a payment whose statement went unanswered');
    assert.ok(logs.some((l) => l.includes('Query read timeout')), 'it ended by the statement timeout');
    await proxy.restore();
    await recovers();
    await waitFor('blocks sealed after the heal', async () => (await sealed()) > blocksBefore, 90_000);
  });

  test('afterwards: every 201 stored, every payment confirmed, the chain valid, the ledger conserved', async () => {
    paying = false;
    await Promise.all(payers);
    assert.deepEqual(strange, [], 'payers saw only 201 or 503 JSON');
    assert.ok(acked.size > 0);
    await waitFor('every pending payment confirmed', async () => {
      const r = await sql<{ n: bigint }>`SELECT count(*)::bigint AS n FROM transactions WHERE status = 'pending'`.execute(direct.db);
      return r.rows[0]!.n === 0n;
    }, 120_000);
    const ids = new Set((await sql<{ tx_id: string }>`SELECT tx_id FROM transactions`.execute(direct.db)).rows.map((r) => r.tx_id));
    for (const id of acked) assert.ok(ids.has(id), `acknowledged payment ${id} exists`);
    await invariants(direct.db);
    const v = await call(`${url}/api/chain/verify`);
    assert.equal(v.status, 200);
    assert.equal(v.body.valid, true, JSON.stringify(v.body));
    assert.equal(exit, null, 'the server never exited');
    const crash = logs.filter((l) => /"level":60|uncaught|unhandled/i.test(l));
    assert.deepEqual(crash, [], 'no fatal log, no uncaught exception or unhandled rejection');
    stopped = true;
    const code = await new Promise<number | null>((resolve) => {
      proc.once('exit', (c) => resolve(c));
      proc.kill('SIGTERM');
    });
    assert.equal(code, 0, 'a clean shutdown');
  });
});
