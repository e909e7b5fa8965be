/**
 * Bad input, property-based (fast-check): every endpoint's body, query, path
 * and headers. Always a 4xx JSON error with a code, never a 5xx, never a
 * change of state. FUZZ_RUNS sets the size (CI: bounded).
 *
 * The properties go over real HTTP (a keep-alive socket to the listening
 * server), not app.inject: light-my-request keeps ~10 KB per injected request
 * for the life of the process, which a million requests turn into an
 * out-of-memory crash of the test runner (the server itself keeps nothing).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { startLedger, registerUser, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { ledgerTotals } from '../../src/infra/db/repos/chain.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, -1, 0, 1e21, '1e5', '-5', '0.001', '10000000000000.01', 'NaN', '\u0000', 'x'.repeat(5000)),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
  fc.object({ maxDepth: 3 }),
  fc.constant(Array.from({ length: 200 }).reduce<unknown>((acc) => ({ a: acc }), 1)), // deeply nested
);

interface Sent {
  readonly statusCode: number;
  readonly body: string;
}

/** One request over a keep-alive socket; a plain object payload is sent as JSON. */
function sender(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (o: { method: string; url: string; headers?: Record<string, string>; payload?: string | object }) =>
    new Promise<Sent>((resolve, reject) => {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      let data: string | undefined;
      if (typeof o.payload === 'string') data = o.payload;
      else if (o.payload !== undefined) {
        data = JSON.stringify(o.payload);
        headers['content-type'] ??= 'application/json';
      }
      if (data !== undefined) headers['content-length'] = String(Buffer.byteLength(data));
      const req = http.request({ host: '127.0.0.1', port, method: o.method, path: o.url, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  return { send, close: () => agent.destroy() };
}

describe('fuzzed input never breaks the ledger', () => {
  let L: TestLedger;
  let net: ReturnType<typeof sender>;
  let u: TestUser;
  let v: TestUser;
  let counts: () => Promise<string>;
  before(async () => {
    L = await startLedger('pglite', { env: { RATE_LIMIT_MINING_START: '1000000 per day', RATE_LIMIT_LEADERBOARD: '1000000 per day' } });
    await L.app.listen({ port: 0, host: '127.0.0.1' });
    net = sender((L.app.server.address() as { port: number }).port);
    u = await registerUser(L, '100.00');
    v = await registerUser(L, '1.00');
    counts = async () => {
      const t = await ledgerTotals(L.store.db);
      const n = await sql<{ u: bigint; t: bigint; b: bigint }>`
        SELECT (SELECT count(*) FROM users)::bigint AS u, (SELECT count(*) FROM transactions)::bigint AS t, (SELECT count(*) FROM blocks)::bigint AS b`.execute(L.store.db);
      return JSON.stringify({ ...t, ...n.rows[0] }, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
    };
  });
  after(async () => {
    net.close();
    await L.stop();
  });

  const check = (r: { statusCode: number; body: string }, ctx: unknown) => {
    assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${r.statusCode} for ${JSON.stringify(ctx)?.slice(0, 200)}: ${r.body.slice(0, 200)}`);
    const b = JSON.parse(r.body);
    assert.equal(b.success, false);
    assert.equal(typeof b.code, 'string');
    assert.equal(typeof b.error, 'string');
  };

  test('bodies of register, login and payments', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/auth/register', '/api/auth/login', '/api/transactions'),
        fc.record({ pan_card: junk, rbi_number: junk, full_name: junk, initial_balance: junk, bank_name: junk, receiver_idx: junk, amount: junk, balance: junk, user_idx: junk }, { requiredKeys: [] }),
        async (url, body) => {
          const r = await net.send({ method: 'POST', url, headers: url === '/api/transactions' ? u.auth : {}, payload: body as object });
          if (r.statusCode < 300) return; // a valid request may pass by chance (e.g. a login); state is checked below
          check(r, body);
        },
      ),
      { numRuns: RUNS },
    );
    // Chance successes aside (none expected with this alphabet), nothing moved.
    assert.equal(await counts(), before);
  });

  test('raw bodies and content types', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '{"a":', '\u0000', '{"amount":1e400}', 'x'.repeat(20_000))),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16', ''),
        fc.constantFrom('/api/auth/register', '/api/auth/login', '/api/transactions', '/api/mining/start'),
        async (payload, type, url) => {
          const r = await net.send({ method: 'POST', url, headers: { ...u.auth, ...(type ? { 'content-type': type } : {}) }, payload });
          if (url === '/api/mining/start' && r.statusCode < 300) {
            await net.send({ method: 'POST', url: '/api/mining/stop', headers: u.auth });
            return;
          }
          check(r, { payload, type, url });
        },
      ),
      { numRuns: RUNS },
    );
    assert.equal(await counts(), before);
  });

  test('query strings, path parameters and headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.integer().map(String), fc.constantFrom('-1', '0', '101', '1e3', '%00', '../..', 'abc')),
        fc.constantFrom('blocks-limit', 'blocks-before', 'block', 'tx', 'leaderboard-limit', 'leaderboard-sort', 'audit'),
        fc.oneof(fc.constant(undefined), fc.string({ maxLength: 60 }), fc.constantFrom('Bearer', 'Bearer x.y.z', 'Basic abc', 'Bearer ' + 'a'.repeat(3000))),
        async (value, where, authz) => {
          const e = encodeURIComponent(value);
          const url = {
            'blocks-limit': `/api/blocks?limit=${e}`,
            'blocks-before': `/api/blocks?before=${e}`,
            block: `/api/blocks/${e}`,
            tx: `/api/transactions/${e}`,
            'leaderboard-limit': `/api/mining/leaderboard?limit=${e}`,
            'leaderboard-sort': `/api/mining/leaderboard?sort_by=${e}`,
            audit: `/api/users/me/audit?after=${e}`,
          }[where];
          const headers: Record<string, string> = {};
          if (authz !== undefined) headers.authorization = authz.replace(/[^\x20-\x7e]/g, '');
          const r = await net.send({ method: 'GET', url, headers });
          assert.ok(r.statusCode < 500, `${r.statusCode} for ${url}: ${r.body.slice(0, 200)}`);
          if (r.statusCode >= 400) check(r, url);
        },
      ),
      { numRuns: RUNS },
    );
    const health = await L.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(health.statusCode, 200, 'still healthy');
  });

  test('mass assignment is ignored: a balance, user_idx, status or fee in a body changes nothing', async () => {
    const r = await L.app.inject({
      method: 'POST',
      url: '/api/transactions',
      headers: u.auth,
      payload: { receiver_idx: v.userIdx, amount: '1.00', balance: '999999', user_idx: v.userIdx, sender_idx: v.userIdx, status: 'confirmed', fee_total: '0.00', fee_miner: '0.00' },
    });
    assert.equal(r.statusCode, 201);
    const t = r.json().transaction;
    assert.equal(t.sender_idx, u.userIdx);
    assert.equal(t.status, 'pending');
    assert.equal(t.fee_total, '0.02');
    const reg = await L.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { pan_card: 'MASSA1234A', rbi_number: 'x', full_name: 'M', initial_balance: '1.00', balance: '1000000', user_idx: 'IDX_' + '1'.repeat(32) },
    });
    assert.equal(reg.statusCode, 201);
    assert.equal(reg.json().user.balance, '1.00');
    assert.notEqual(reg.json().user.user_idx, 'IDX_' + '1'.repeat(32));
  });
});
