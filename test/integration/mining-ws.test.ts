/** The work protocol: a remote miner races like any other; a hostile client gets every rejection code. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { payVia, registerUser, startLedger, assertConserved, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

interface Job {
  job_id: string;
  height: number;
  header_hex: string;
  target: string;
  share_target: string;
}

class Client {
  readonly msgs: Array<Record<string, unknown>> = [];
  closed: number | null = null;
  private constructor(readonly ws: WebSocket) {
    // Listen before the socket opens: the server may speak first.
    ws.on('message', (d) => this.msgs.push(JSON.parse(String(d))));
    ws.on('close', (code) => (this.closed = code));
  }
  static async open(url: string, token?: string): Promise<Client> {
    const c = new Client(new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {}));
    await new Promise((resolve, reject) => {
      c.ws.once('open', resolve);
      c.ws.once('error', reject);
    });
    return c;
  }
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }
  async next(type: string, pred: (m: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    return waitFor(`a ${type} message`, async () => {
      const i = this.msgs.findIndex((m) => m.type === type && pred(m));
      return i >= 0 ? this.msgs.splice(i, 1)[0] : null;
    });
  }
}

/** The first nonce from `from` whose hash meets `targetHex` (and, if given, does not meet `notHex`). */
function grind(job: Job, targetHex: string, from = 0, notHex?: string): number {
  const header = Buffer.concat([Buffer.from(job.header_hex, 'hex'), Buffer.alloc(4)]);
  for (let n = from; ; n++) {
    header.writeUInt32BE(n, header.length - 4);
    const h = createHash('sha256').update(header).digest('hex');
    if (h <= targetHex && (notHex === undefined || h > notHex)) return n;
  }
}

describe('work protocol over WebSocket', () => {
  let L: TestLedger;
  let url: string;
  let a: TestUser;
  let b: TestUser;
  before(async () => {
    L = await startLedger('pglite', { env: { DIFFICULTY: '2' } });
    await L.app.listen({ port: 0, host: '127.0.0.1' });
    url = `ws://127.0.0.1:${(L.app.server.address() as { port: number }).port}/api/mining/ws`;
    a = await registerUser(L, '1000.00');
    b = await registerUser(L, '1000.00');
  });
  after(async () => {
    await L.stop();
  });

  test('a remote miner joins, gets its own job, earns by shares and seals a block', async () => {
    const c = await Client.open(url, a.token);
    await c.next('authorized');
    assert.equal(L.pool.isMining(a.userIdx), true);
    const pay = await payVia(L, b, a.userIdx, '100.00');
    const job = (await c.next('job')) as unknown as Job;
    assert.equal(job.height, 1);
    assert.deepEqual(Object.keys(job), ['type', 'job_id', 'height', 'header_hex', 'target', 'share_target', 'clean'], 'the job message as documented');
    assert.match(job.target + job.share_target, /^[0-9a-f]{128}$/);
    assert.equal(Buffer.from(job.header_hex, 'hex').length, 104);
    assert.equal(Buffer.from(job.header_hex, 'hex').subarray(88, 104).toString('hex'), a.userIdx.slice(4), 'its own user_idx in the header');
    // A share that is not a block.
    const share = grind(job, job.share_target, 0, job.target);
    c.send({ type: 'submit', job_id: job.job_id, nonce: share });
    const acc = await c.next('accepted');
    assert.equal(acc.block, false);
    c.send({ type: 'submit', job_id: job.job_id, nonce: share });
    assert.equal((await c.next('rejected')).code, 'DUPLICATE_SHARE');
    // The block.
    const win = grind(job, job.target);
    c.send({ type: 'submit', job_id: job.job_id, nonce: win });
    const sealed = await c.next('accepted', (m) => m.nonce === win);
    assert.equal(sealed.block, true);
    const tx = await L.app.inject({ method: 'GET', url: `/api/transactions/${pay.json().transaction.tx_id}`, headers: b.auth });
    assert.equal(tx.json().transaction.status, 'confirmed');
    const stats = (await L.app.inject({ method: 'GET', url: '/api/mining/stats', headers: a.auth })).json().stats;
    assert.equal(stats.blocks_won, 1);
    assert.ok(Number(stats.hash_rate_per_second) > 0, 'hash rate from accepted shares');
    c.send({ type: 'submit', job_id: job.job_id, nonce: share + 1 });
    assert.equal((await c.next('rejected')).code, 'STALE_JOB');
    await assertConserved(L.store.db);
    c.ws.close();
    await waitFor('the miner leaves after the grace', async () => !L.pool.isMining(a.userIdx), 15_000);
  });

  test('a hostile client gets each rejection code, is closed and refused; others are unaffected', async () => {
    const honest = await Client.open(url, b.token);
    await honest.next('authorized');
    const h = await Client.open(url);
    h.send({ type: 'submit', job_id: 'x', nonce: 1 });
    assert.equal((await h.next('rejected')).code, 'UNAUTHORIZED');
    h.send({ type: 'authorize', token: a.token });
    await h.next('authorized');
    await payVia(L, b, a.userIdx, '1.00');
    const job = (await h.next('job')) as unknown as Job;
    const other = (await honest.next('job')) as unknown as Job;
    h.send('not json');
    assert.equal((await h.next('rejected')).code, 'BAD_MESSAGE');
    h.send({ type: 'submit', job_id: 'nope', nonce: 1 });
    assert.equal((await h.next('rejected')).code, 'UNKNOWN_JOB');
    h.send({ type: 'submit', job_id: other.job_id, nonce: 1 });
    assert.equal((await h.next('rejected')).code, 'NOT_YOUR_JOB');
    const low = grind(job, 'f'.repeat(64), 0, job.share_target);
    h.send({ type: 'submit', job_id: job.job_id, nonce: low });
    assert.equal((await h.next('rejected')).code, 'LOW_DIFFICULTY');
    h.send({ type: 'submit', job_id: job.job_id, nonce: -5 });
    assert.equal((await h.next('rejected')).code, 'BAD_MESSAGE');
    for (let i = 0; i < 25 && h.closed === null; i++) h.send({ type: 'submit', job_id: 'flood', nonce: i });
    await waitFor('closed', async () => h.closed !== null);
    const again = await Client.open(url, a.token);
    const refused = await again.next('rejected');
    assert.equal(refused.code, 'UNAUTHORIZED');
    assert.match(String(refused.error), /refused/);
    // The honest miner still mines: it wins the pending block.
    const win = grind(other, other.target);
    honest.send({ type: 'submit', job_id: other.job_id, nonce: win });
    assert.equal((await honest.next('accepted', (m) => m.nonce === win)).block, true);
    honest.ws.close();
    const big = await Client.open(url, b.token);
    big.send('x'.repeat(10_000));
    await waitFor('oversized message closes', async () => big.closed !== null);
  });
});
