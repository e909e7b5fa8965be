/**
 * GET /api/events through real HTTP: the public stream, a user's own stream
 * following a payment from pending to confirmed, refusals, the bounds, the
 * heartbeat, clean-up on close, and the token never reaching the logs.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { eventRoutes } from '../../src/api/routes/events.ts';
import { createTokenService } from '../../src/infra/security/tokens.ts';
import { mineOnce, payVia, registerUser, startLedger, type TestLedger } from '../helpers/ledger.ts';

interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** A minimal EventSource over node:http that keeps every event and comment it receives. */
class Stream {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  contentType = '';
  body = '';
  private req!: http.ClientRequest;
  private waiters: Array<() => void> = [];
  readonly ready: Promise<void>;
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  private onEnd: () => void = () => {};

  constructor(url: string) {
    let buf = '';
    this.ended = new Promise((r) => (this.onEnd = r));
    this.ready = new Promise((resolve, reject) => {
      this.req = http.get(url, (res) => {
        this.status = res.statusCode ?? 0;
        this.contentType = String(res.headers['content-type'] ?? '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (this.status !== 200) {
            this.body += chunk;
            return;
          }
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) this.comments++;
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) this.events.push({ event, data: JSON.parse(data) });
            for (const w of this.waiters.splice(0)) w();
          }
        });
        res.on('end', () => {
          this.onEnd();
          for (const w of this.waiters.splice(0)) w();
        });
        resolve();
      });
      this.req.on('error', reject);
    });
  }

  /** The first event named `event` whose data satisfies `ok`. */
  async next<T = Record<string, unknown>>(event: string, ok: (d: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find((e) => e.event === event && ok(e.data as T));
      if (hit) return hit.data as T;
      if (Date.now() > deadline) throw new Error(`no ${event} event: got ${this.events.map((e) => e.event).join(', ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async bodyJson(): Promise<Record<string, unknown>> {
    await new Promise<void>((r) => {
      if (this.body.endsWith('}')) r();
      else this.waiters.push(r);
    });
    return JSON.parse(this.body) as Record<string, unknown>;
  }

  close(): void {
    this.req.destroy();
  }
}

function baseUrl(app: FastifyInstance): string {
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
}

describe('GET /api/events', () => {
  let L: TestLedger;
  let url: string;
  const logs: string[] = [];
  before(async () => {
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    L = await startLedger('pglite', { env: { LOG_LEVEL: 'info' }, logger: true, logStream });
    await L.app.listen({ port: 0, host: '127.0.0.1' });
    url = `${baseUrl(L.app)}/api/events`;
  });
  after(async () => {
    await L?.stop();
  });

  test('the public stream: pool, blocks, banks, leaderboard and chain, no account', async () => {
    const s = new Stream(url);
    await s.ready;
    try {
      assert.equal(s.status, 200);
      assert.match(s.contentType, /^text\/event-stream/);
      const pool = await s.next<{ is_running: boolean; max_capacity: number; difficulty: number }>('pool');
      assert.equal(pool.is_running, true);
      assert.equal(pool.max_capacity, 100);
      assert.equal(pool.difficulty, 1);
      assert.deepEqual((await s.next<{ blocks: unknown[] }>('blocks')).blocks, []);
      const banks = await s.next<{ banks: Array<{ code: string; balance: string }> }>('banks');
      assert.deepEqual(
        banks.banks.map((b) => b.code),
        ['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK', 'PNB'],
      );
      assert.deepEqual(await s.next('board'), { blocks: [], fees: [], total_miners: 0 });
      assert.deepEqual(await s.next('chain'), { valid: true, height: 0 });
      await s.next('pool', () => s.events.filter((e) => e.event === 'pool').length >= 2); // every second
      assert.equal(s.events.some((e) => e.event === 'me' || e.event === 'mining'), false);
    } finally {
      s.close();
    }
  });

  test('a bad token is refused with the JSON error body', async () => {
    const s = new Stream(`${url}?token=not.a.token`);
    await s.ready;
    assert.equal(s.status, 401);
    const body = await s.bodyJson();
    assert.equal(body.success, false);
    assert.equal(body.code, 'UNAUTHORIZED');
    assert.equal(typeof body.error, 'string');
  });

  test("a user's own stream follows a payment from pending to confirmed; a seal reaches everyone", async () => {
    const alice = await registerUser(L, '1000.00');
    const bob = await registerUser(L, '10.00');
    const s = new Stream(`${url}?token=${encodeURIComponent(alice.token)}`);
    const pub = new Stream(url);
    await Promise.all([s.ready, pub.ready]);
    try {
      type Me = { user_idx: string; balance: string; held: string; recent_transactions: Array<{ tx_id: string; status: string; block_height: number | null }> };
      const first = await s.next<Me>('me');
      assert.equal(first.user_idx, alice.userIdx);
      assert.equal(first.balance, '1000.00');
      assert.equal(first.held, '0.00');
      await s.next<{ is_active: boolean }>('mining', (m) => m.is_active === false);

      const paid = await payVia(L, alice, bob.userIdx, '100.00');
      assert.equal(paid.statusCode, 201, paid.body);
      const txId = paid.json().transaction.tx_id as string;
      const pending = await s.next<Me>('me', (m) => m.recent_transactions.some((t) => t.tx_id === txId));
      assert.equal(pending.held, '101.50');
      assert.equal(pending.balance, '898.50');
      assert.equal(pending.recent_transactions[0]!.status, 'pending');

      const sealed = await mineOnce(L, bob.userIdx);
      assert.equal(sealed.accepted, true);
      const block = await pub.next<{ height: number; hash: string; miner_idx: string }>('block');
      assert.equal(block.height, 1);
      assert.equal(block.miner_idx, bob.userIdx);
      assert.match(block.hash, /^0[0-9a-f]{63}$/);
      const done = await s.next<Me>('me', (m) => m.recent_transactions.some((t) => t.tx_id === txId && t.status === 'confirmed'));
      assert.equal(done.held, '0.00');
      assert.equal(done.recent_transactions[0]!.block_height, 1);
      const blocks = await pub.next<{ blocks: Array<{ height: number; tx_count: number }> }>('blocks', (b) => b.blocks.length === 1);
      assert.equal(blocks.blocks[0]!.tx_count, 1);
      await pub.next<{ banks: Array<{ balance: string }> }>('banks', (b) => b.banks.some((x) => x.balance !== '0.00'));
      await pub.next<{ valid: boolean; height: number }>('chain', (c) => c.height === 1 && c.valid);
      const board = await pub.next<{ blocks: Array<{ user_idx: string; total_blocks_mined: number; total_fees_earned: string }> }>('board', (b) => b.blocks.length === 1);
      assert.equal(board.blocks[0]!.user_idx, bob.userIdx);
      assert.equal(board.blocks[0]!.total_fees_earned, '0.50');
      // The other user's stream never carried Alice's account.
      assert.equal(pub.events.some((e) => e.event === 'me'), false);
    } finally {
      s.close();
      pub.close();
    }
    // The token in the query never reaches the logs.
    assert.ok(logs.length > 0, 'the ledger logs at info');
    assert.equal(logs.join('').includes(alice.token), false, 'the token was logged');
  });

  test('bounded, a heartbeat comment, and cleaned up on close', async () => {
    const app = Fastify();
    await app.register(eventRoutes, { deps: L.deps, pool: L.pool, events: L.events, maxConnections: 2, maxPerAddress: 5, heartbeatMs: 50 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const u = `${baseUrl(app)}/api/events`;
    const streams: Stream[] = [];
    try {
      const a = new Stream(u);
      const b = new Stream(u);
      streams.push(a, b);
      await Promise.all([a.ready, b.ready]);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      await a.next('pool');
      const full = new Stream(u);
      await full.ready;
      assert.equal(full.status, 503);
      assert.equal((await full.bodyJson()).code, 'SERVICE_UNAVAILABLE');

      await new Promise((r) => setTimeout(r, 200));
      assert.ok(a.comments >= 2, `heartbeat comments: ${a.comments}`);

      a.close(); // its slot is freed
      let c: Stream | null = null;
      for (let i = 0; i < 50; i++) {
        c = new Stream(u);
        await c.ready;
        if (c.status === 200) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      streams.push(c!);
      assert.equal(c!.status, 200);
    } finally {
      for (const s of streams) s.close();
      await app.close(); // ends the open streams instead of waiting for them
    }
  });

  test('a stream whose token expires says so and ends', async () => {
    const user = await registerUser(L);
    const tokens = createTokenService('another-secret-long-enough-0123456789', 1); // 1 s tokens
    const app = Fastify();
    await app.register(eventRoutes, { deps: { ...L.deps, tokens }, pool: L.pool, events: L.events, accountRefreshMs: 200 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const s = new Stream(`${baseUrl(app)}/api/events?token=${tokens.sign({ userIdx: user.userIdx, bank: 'SBI' })}`);
    await s.ready;
    try {
      assert.equal(s.status, 200);
      assert.equal((await s.next<{ user_idx: string }>('me')).user_idx, user.userIdx);
      const expired = await s.next<{ success: boolean; code: string; error: string }>('expired', () => true, 5_000);
      assert.deepEqual([expired.success, expired.code], [false, 'UNAUTHORIZED']);
      await s.ended;
    } finally {
      s.close();
      await app.close();
    }
  });

  test('at most maxPerAddress streams from one client address', async () => {
    const app = Fastify();
    await app.register(eventRoutes, { deps: L.deps, pool: L.pool, events: L.events, maxPerAddress: 1 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const u = `${baseUrl(app)}/api/events`;
    const a = new Stream(u);
    await a.ready;
    try {
      const b = new Stream(u);
      await b.ready;
      assert.equal(a.status, 200);
      assert.equal(b.status, 429);
      assert.equal((await b.bodyJson()).code, 'RATE_LIMITED');
    } finally {
      a.close();
      await app.close();
    }
  });
});
