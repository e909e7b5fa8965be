/**
 * GET /api/mining/ws: the work protocol for remote miners (docs/PROTOCOL.md).
 * Stratum-like JSON messages, authenticated by the JWT (Authorization header
 * of the upgrade, or a first `authorize` message within 5 s). A remote miner
 * is a pool miner like any other: it races with its own user_idx committed in
 * its header, and its hash rate comes from its accepted shares.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { AppDeps } from '../../app/deps.ts';
import { withNonce } from '../../domain/header.ts';
import { toHex } from '../../domain/hex.ts';
import { meetsTarget, targetForDifficulty } from '../../domain/pow.ts';
import { isIdxError } from '../../domain/errors.ts';
import type { MiningPool } from '../../mining/pool/coordinator.ts';
import type { MiningJob } from '../../mining/workers/types.ts';
import { candidateOf } from '../../mining/workers/job.ts';

export interface WsOptions {
  readonly deps: AppDeps;
  readonly pool: MiningPool;
  /** Invalid submissions tolerated per minute before the socket is closed and the user refused. */
  readonly maxInvalidPerMinute?: number;
  readonly banMs?: number;
  readonly graceMs?: number;
}

type Code = 'STALE_JOB' | 'DUPLICATE_SHARE' | 'LOW_DIFFICULTY' | 'UNKNOWN_JOB' | 'NOT_YOUR_JOB' | 'UNAUTHORIZED' | 'BAD_MESSAGE';

interface JobEntry {
  readonly owner: string;
  readonly jobId: number;
  readonly header: Uint8Array;
  readonly target: Uint32Array;
  readonly shareTarget: Uint32Array;
  /** Shares taken on this job (made at the first one: most jobs of idle miners never get any). */
  nonces: Set<number> | null;
}

const hex32 = (t: Uint32Array) => Array.from(t, (w) => w.toString(16).padStart(8, '0')).join('');

export const miningWsRoutes: FastifyPluginAsync<WsOptions> = async (app, opts) => {
  const { deps, pool } = opts;
  const maxInvalid = opts.maxInvalidPerMinute ?? 20;
  const banMs = opts.banMs ?? 60_000;
  const graceMs = opts.graceMs ?? 5_000;
  const shareDifficulty = Math.max(1, deps.rules.difficulty - 1);
  const shareTarget = targetForDifficulty(shareDifficulty);
  const hashesPerShare = 16 ** shareDifficulty;
  const jobs = new Map<string, JobEntry>(); // job_id -> entry, the last few rounds
  const rounds: number[] = [];
  const sockets = new Map<string, WebSocket>(); // userIdx -> its socket
  const banned = new Map<string, number>();
  const leaving = new Map<string, NodeJS.Timeout>();

  await app.register(websocket, { options: { maxPayload: 4096 } });

  const jobKey = (jobId: number, userIdx: string) => `${jobId}-${userIdx.slice(4, 14)}`;
  // Per round, once: the parts of the `job` message all miners share, so a broadcast to N sockets
  // is O(N) and formats only each miner's job id and header (its candidate, derived from the round's).
  let round: { job: MiningJob; mid: string; tail: string } | null = null;
  const roundOf = (job: MiningJob) => {
    if (round?.job !== job) {
      round = {
        job,
        mid: `,"height":${Number(job.height)},"header_hex":"`,
        tail: `","target":"${hex32(job.target)}","share_target":"${hex32(shareTarget)}","clean":true}`,
      };
    }
    return round;
  };
  const sendJob = (userIdx: string, job: MiningJob) => {
    const ws = sockets.get(userIdx);
    if (!ws) return;
    const r = roundOf(job);
    const c = candidateOf(job, userIdx);
    if (!c) return;
    const id = jobKey(job.jobId, userIdx);
    jobs.set(id, { owner: userIdx, jobId: job.jobId, header: c.header, target: job.target, shareTarget, nonces: null });
    // The same JSON as JSON.stringify({type, job_id, height, header_hex, target, share_target, clean}): every value is hex or a number.
    ws.send(`{"type":"job","job_id":"${id}"${r.mid}${toHex(c.header.subarray(0, c.header.length - 4))}${r.tail}`);
  };
  pool.onRound((job) => {
    if (job === null) {
      for (const ws of sockets.values()) ws.send(JSON.stringify({ type: 'idle' }));
      return;
    }
    rounds.push(job.jobId);
    while (rounds.length > 4) {
      const old = rounds.shift()!;
      for (const [k, v] of jobs) if (v.jobId === old) jobs.delete(k);
    }
    for (const userIdx of sockets.keys()) sendJob(userIdx, job);
  });

  app.get('/api/mining/ws', { websocket: true, schema: { hide: true } }, (socket, req) => {
    let userIdx: string | null = null;
    let invalid: number[] = [];
    let msgs: number[] = [];
    let alive = true;
    const reply = (m: object) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(m));
    const reject = (code: Code, error: string, extra: object = {}) => reply({ type: 'rejected', code, error, ...extra });

    const authorize = async (token: unknown) => {
      const claims = typeof token === 'string' ? deps.tokens.verify(token) : null;
      if (!claims) {
        reject('UNAUTHORIZED', 'The token is missing, expired or not valid.');
        socket.close(4001, 'unauthorized');
        return;
      }
      const until = banned.get(claims.userIdx) ?? 0;
      if (until > Date.now()) {
        reject('UNAUTHORIZED', `Too many invalid submissions: refused for ${Math.ceil((until - Date.now()) / 1000)} s.`);
        socket.close(4003, 'refused');
        return;
      }
      userIdx = claims.userIdx;
      const previous = sockets.get(userIdx);
      if (previous && previous !== socket) previous.close(4000, 'replaced by a new connection');
      sockets.set(userIdx, socket);
      const pending = leaving.get(userIdx);
      if (pending) clearTimeout(pending);
      leaving.delete(userIdx);
      try {
        if (!pool.isMining(userIdx)) await pool.addMiner(userIdx, { remote: true });
      } catch (e) {
        reply({ type: 'error', code: isIdxError(e) ? e.code : 'INTERNAL_ERROR', error: isIdxError(e) ? e.message : 'Could not join the pool.' });
        socket.close(4002, 'not joined');
        return;
      }
      reply({ type: 'authorized', user_idx: userIdx, share_difficulty: shareDifficulty });
      const job = pool.currentJob();
      if (job) sendJob(userIdx, job); // nothing when this miner does not race in it yet
    };

    const bad = (code: Code, error: string, extra: object = {}) => {
      reject(code, error, extra);
      const now = Date.now();
      invalid = invalid.filter((t) => now - t < 60_000);
      invalid.push(now);
      if (invalid.length > maxInvalid && userIdx) {
        banned.set(userIdx, now + banMs);
        socket.close(4003, 'too many invalid submissions');
      }
    };

    const submit = async (m: { job_id?: unknown; nonce?: unknown }) => {
      const nonce = m.nonce;
      if (typeof m.job_id !== 'string' || typeof nonce !== 'number' || !Number.isInteger(nonce) || nonce < 0 || nonce > 0xffffffff) {
        return bad('BAD_MESSAGE', 'submit needs {job_id: string, nonce: u32}.');
      }
      const j = jobs.get(m.job_id);
      if (!j) return bad('UNKNOWN_JOB', 'No such job.', { job_id: m.job_id });
      if (j.owner !== userIdx) return bad('NOT_YOUR_JOB', 'This job belongs to another miner.', { job_id: m.job_id });
      // Stale shares are normal in a race (a seal overtook them): refused, but not held against the miner.
      if (pool.currentJob()?.jobId !== j.jobId) return reject('STALE_JOB', 'That height is sealed or the job was replaced.', { job_id: m.job_id, nonce });
      if (j.nonces?.has(nonce)) return bad('DUPLICATE_SHARE', 'This share was already submitted.', { job_id: m.job_id, nonce });
      const header = withNonce(j.header, nonce);
      const hash = createHash('sha256').update(header).digest();
      if (!meetsTarget(hash, j.shareTarget)) return bad('LOW_DIFFICULTY', 'The hash does not meet the share target.', { job_id: m.job_id, nonce });
      j.nonces ??= new Set();
      if (j.nonces.size < 100_000) j.nonces.add(nonce);
      pool.creditHashes(j.owner, hashesPerShare);
      let block = false;
      if (meetsTarget(hash, j.target)) block = await pool.submitRemote({ jobId: j.jobId, minerIdx: j.owner, nonce, header });
      reply({ type: 'accepted', job_id: m.job_id, nonce, block });
    };

    socket.on('message', (data) => {
      const now = Date.now();
      msgs = msgs.filter((t) => now - t < 1000);
      msgs.push(now);
      if (msgs.length > 500) {
        socket.close(4008, 'flood');
        return;
      }
      let m: { type?: unknown; token?: unknown; job_id?: unknown; nonce?: unknown };
      try {
        m = JSON.parse(String(data)) as typeof m;
      } catch {
        return bad('BAD_MESSAGE', 'Messages are JSON objects.');
      }
      if (m === null || typeof m !== 'object') return bad('BAD_MESSAGE', 'Messages are JSON objects.');
      if (m.type === 'authorize' && userIdx === null) return void authorize(m.token);
      if (userIdx === null) return reject('UNAUTHORIZED', 'Authorize first.');
      if (m.type === 'submit') return void submit(m);
      return bad('BAD_MESSAGE', `Unknown message type ${JSON.stringify(m.type)?.slice(0, 40)}.`);
    });

    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, 10_000);
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('close', () => {
      clearInterval(ping);
      const me = userIdx;
      if (me === null || sockets.get(me) !== socket) return;
      sockets.delete(me);
      // A dropped connection ends its mining after a short grace (statistics are kept).
      leaving.set(
        me,
        setTimeout(() => {
          leaving.delete(me);
          if (!sockets.has(me) && pool.isMining(me) && pool.isRemote(me)) pool.removeMiner(me).catch(() => {});
        }, graceMs),
      );
    });

    const h = req.headers.authorization;
    if (typeof h === 'string' && h.startsWith('Bearer ')) void authorize(h.slice(7));
    else {
      const t = setTimeout(() => {
        if (userIdx === null) {
          reject('UNAUTHORIZED', 'No authorize message within 5 s.');
          socket.close(4001, 'unauthorized');
        }
      }, 5_000);
      socket.on('close', () => clearTimeout(t));
    }
  });

  app.addHook('preClose', async () => {
    for (const t of leaving.values()) clearTimeout(t);
    for (const ws of sockets.values()) ws.close(1001, 'server shutting down');
  });
};
