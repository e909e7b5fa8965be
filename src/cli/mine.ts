/**
 * `idxchain mine`: mines over the work protocol with the project's own hash
 * engines on N hashing threads (src/cli/mine-threads.ts); this thread only
 * speaks to the socket and draws the display. One live line on a terminal,
 * plain periodic lines otherwise; on Ctrl-C, SIGTERM or the end of --duration
 * it leaves, stops its threads and prints a summary. It reconnects with
 * back-off when the server goes away.
 */
import WebSocket from 'ws';
import { createEngine, selectEngine, verifyEngine } from '../mining/engines/index.ts';
import type { EngineName } from '../mining/engines/types.ts';
import { startMinerThreads, type FoundShare } from './mine-threads.ts';

export interface MineOptions {
  readonly url: string;
  readonly token: string;
  readonly engine?: EngineName;
  /** Hashing threads (default 1). */
  readonly threads?: number;
  readonly durationSeconds?: number;
  readonly json: boolean;
  readonly out: NodeJS.WriteStream;
}

export interface MineSummary {
  hashes: number;
  /** Hashes per second while there was work (start-up and idle time excluded). */
  hash_rate: number;
  shares_accepted: number;
  shares_rejected: number;
  blocks_won: number;
  fees_earned: string;
}

/** At most ~50 shares a second: enough to measure the hash rate without flooding the pool (a block is never held back). */
const SHARE_INTERVAL_MS = 20;

/** The engine asked for, verified against node:crypto here before any thread starts. */
function checked(name: EngineName): EngineName {
  try {
    verifyEngine(createEngine(name));
  } catch (e) {
    throw new Error(`the ${name} engine is not available: ${(e as Error).message}`);
  }
  return name;
}

const words = (hex: string) => Uint32Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 8, i * 8 + 8), 16));

export async function mine(o: MineOptions): Promise<MineSummary> {
  const engine = o.engine ? checked(o.engine) : selectEngine().name;
  const threads = await startMinerThreads({ threads: o.threads ?? 1, engine, shareIntervalMs: SHARE_INTERVAL_MS * Math.max(1, o.threads ?? 1) });
  const wsUrl = `${o.url.replace(/^http/, 'ws').replace(/\/$/, '')}/api/mining/ws`;
  const s = { accepted: 0, rejected: 0, blocks: 0, height: 0 };
  /** The job being hashed: its id, its generation on the threads, whether its block was sent. */
  let job: { id: string; gen: number; blockSent: boolean } | null = null;
  let ws: WebSocket | null = null;
  let stopping = false;
  let backoff = 500;
  let fatal: string | null = null;
  let finish = () => {};
  // Time with work, for the hash rate: start-up, reconnects and idle rounds do not count.
  let workMs = 0;
  let workSince: number | null = null;
  const setJob = (j: typeof job) => {
    const now = performance.now();
    if (j && workSince === null) workSince = now;
    if (!j && workSince !== null) {
      workMs += now - workSince;
      workSince = null;
    }
    job = j;
  };
  const workingMs = () => workMs + (workSince === null ? 0 : performance.now() - workSince);
  const die = (why: string) => {
    fatal = why;
    finish();
  };
  threads.onError((e) => die(e.message));

  let lastShare = -Infinity;
  threads.onShare((f: FoundShare) => {
    const j = job;
    if (!j || f.gen !== j.gen || ws?.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    if (f.block && !j.blockSent) j.blockSent = true;
    else if (now - lastShare >= SHARE_INTERVAL_MS) lastShare = now;
    else return;
    ws.send(JSON.stringify({ type: 'submit', job_id: j.id, nonce: f.nonce }));
  });

  const connect = () => {
    const sock = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${o.token}` } });
    ws = sock;
    sock.on('open', () => {
      backoff = 500;
    });
    sock.on('message', (d) => {
      const m = JSON.parse(String(d)) as Record<string, unknown>;
      if (m.type === 'job') {
        const header = Buffer.concat([Buffer.from(String(m.header_hex), 'hex'), Buffer.alloc(4)]);
        const gen = threads.work({ header: new Uint8Array(header), shareTarget: words(String(m.share_target)), target: words(String(m.target)) });
        setJob({ id: String(m.job_id), gen, blockSent: false });
        s.height = Number(m.height);
      } else if (m.type === 'idle') {
        setJob(null);
        threads.idle();
      } else if (m.type === 'accepted') {
        s.accepted++;
        if (m.block) s.blocks++;
      } else if (m.type === 'rejected') {
        s.rejected++;
        if (m.code === 'UNAUTHORIZED') die(String(m.error));
      } else if (m.type === 'error') {
        die(String(m.error));
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      setJob(null);
      threads.idle();
      if (stopping || fatal) return;
      setTimeout(connect, backoff).unref();
      backoff = Math.min(10_000, backoff * 2);
    });
  };

  const started = performance.now();
  let last = { at: started, hashes: 0 };
  const line = () => {
    const now = performance.now();
    const h = threads.hashes();
    const rate = (h - last.hashes) / Math.max(0.001, (now - last.at) / 1000);
    last = { at: now, hashes: h };
    const text = `${(rate / 1e6).toFixed(2)} MH/s  height ${s.height || '-'}  shares ${s.accepted}/${s.rejected}  blocks ${s.blocks}${job ? '' : '  (waiting for work)'}`;
    if (o.out.isTTY) o.out.write(`\r\x1b[2K${text}`);
    else o.out.write(`${text}\n`);
  };

  await new Promise<void>((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    const end = () => {
      stopping = true;
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      timers.forEach(clearTimeout);
      resolve();
    };
    finish = end;
    if (fatal) return end();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    if (o.durationSeconds) timers.push(setTimeout(end, o.durationSeconds * 1000));
    if (!o.json) timers.push(setInterval(line, o.out.isTTY ? 500 : 5000));
    connect();
  });
  const hashes = threads.hashes();
  const seconds = workingMs() / 1000;
  setJob(null);
  await threads.close();
  const socket = ws as WebSocket | null;
  socket?.close();
  if (!o.json && o.out.isTTY) o.out.write('\n');
  if (fatal) throw new Error(fatal);
  let fees = '0.00';
  try {
    const r = await fetch(new URL('/api/mining/stats', o.url), { headers: { authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(5000) });
    if (r.ok) fees = ((await r.json()) as { stats: { total_fees_earned: string } }).stats.total_fees_earned;
  } catch {
    /* the server is away: fees unknown */
  }
  return { hashes, hash_rate: seconds > 0 ? Math.round(hashes / seconds) : 0, shares_accepted: s.accepted, shares_rejected: s.rejected, blocks_won: s.blocks, fees_earned: fees };
}
