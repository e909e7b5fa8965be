/**
 * `idxchain mine`: mines over the work protocol with the project's own hash
 * engines. One live line on a terminal, plain periodic lines otherwise; on
 * Ctrl-C, SIGTERM or the end of --duration it leaves and prints a summary.
 * It reconnects with back-off when the server goes away.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { meetsTarget } from '../domain/pow.ts';
import { createEngine, selectEngine } from '../mining/engines/index.ts';
import { prepareHeader } from '../mining/engines/prepare.ts';
import type { EngineName, PreparedHeader, ScanResult } from '../mining/engines/types.ts';

export interface MineOptions {
  readonly url: string;
  readonly token: string;
  readonly engine?: EngineName;
  readonly durationSeconds?: number;
  readonly json: boolean;
  readonly out: NodeJS.WriteStream;
}

export interface MineSummary {
  hashes: number;
  hash_rate: number;
  shares_accepted: number;
  shares_rejected: number;
  blocks_won: number;
  fees_earned: string;
}

const words = (hex: string) => Uint32Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 8, i * 8 + 8), 16));

export async function mine(o: MineOptions): Promise<MineSummary> {
  const engine = o.engine ? createEngine(o.engine) : selectEngine().engine;
  const wsUrl = `${o.url.replace(/^http/, 'ws').replace(/\/$/, '')}/api/mining/ws`;
  const s = { hashes: 0, accepted: 0, rejected: 0, blocks: 0, height: 0 };
  let job: { id: string; prepared: PreparedHeader; next: number; header: Buffer; target: Uint32Array } | null = null;
  const isBlock = (j: { header: Buffer; target: Uint32Array }, nonce: number): boolean => {
    j.header.writeUInt32BE(nonce >>> 0, j.header.length - 4);
    return meetsTarget(createHash('sha256').update(j.header).digest(), j.target);
  };
  let ws: WebSocket | null = null;
  let stopping = false;
  let backoff = 500;
  let fatal: string | null = null;
  const started = performance.now();
  const out: ScanResult = { found: false, nonce: 0, hashes: 0 };

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
        job = {
          id: String(m.job_id),
          prepared: prepareHeader(new Uint8Array(header), words(String(m.share_target))),
          next: Math.floor(Math.random() * 2 ** 31),
          header,
          target: words(String(m.target)),
        };
        s.height = Number(m.height);
      } else if (m.type === 'idle') {
        job = null;
      } else if (m.type === 'accepted') {
        s.accepted++;
        if (m.block) s.blocks++;
      } else if (m.type === 'rejected') {
        s.rejected++;
        if (m.code === 'UNAUTHORIZED') fatal = String(m.error);
      } else if (m.type === 'error') {
        fatal = String(m.error);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      job = null;
      if (stopping || fatal) return;
      setTimeout(connect, backoff).unref();
      backoff = Math.min(10_000, backoff * 2);
    });
  };
  connect();

  let lastLine = 0;
  let lastShare = 0;
  const line = () => {
    const secs = (performance.now() - started) / 1000;
    const rate = s.hashes / Math.max(0.001, secs);
    const text = `${(rate / 1e6).toFixed(2)} MH/s  height ${s.height || '-'}  shares ${s.accepted}/${s.rejected}  blocks ${s.blocks}${job ? '' : '  (waiting for work)'}`;
    if (o.json) return;
    if (o.out.isTTY) o.out.write(`\r\x1b[2K${text}`);
    else o.out.write(`${text}\n`);
  };

  await new Promise<void>((resolve) => {
    const end = () => {
      stopping = true;
      resolve();
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    if (o.durationSeconds) setTimeout(end, o.durationSeconds * 1000).unref();
    const tick = () => {
      if (stopping || fatal) return resolve();
      const until = performance.now() + 20;
      while (job && performance.now() < until) {
        const j = job;
        engine.scan(j.prepared, j.next >>> 0, 1 << 16, out);
        s.hashes += out.hashes;
        j.next += out.hashes;
        if (out.found) {
          // At most ~50 shares a second: enough to measure the hash rate without flooding the pool.
          const now = performance.now();
          if (now - lastShare >= 20 || isBlock(j, out.nonce)) {
            lastShare = now;
            ws?.send(JSON.stringify({ type: 'submit', job_id: j.id, nonce: out.nonce }));
          }
        }
      }
      const now = performance.now();
      if (now - lastLine > (o.out.isTTY ? 500 : 5000)) {
        lastLine = now;
        line();
      }
      setTimeout(tick, job ? 0 : 50);
    };
    tick();
  });
  const socket = ws as WebSocket | null;
  socket?.close();
  if (!o.json && o.out.isTTY) o.out.write('\n');
  if (fatal) throw new Error(fatal);
  let fees = '0.00';
  try {
    const r = await fetch(new URL('/api/mining/stats', o.url), { headers: { authorization: `Bearer ${o.token}` } });
    if (r.ok) fees = ((await r.json()) as { stats: { total_fees_earned: string } }).stats.total_fees_earned;
  } catch {
    /* the server is away: fees unknown */
  }
  const secs = (performance.now() - started) / 1000;
  return { hashes: s.hashes, hash_rate: Math.round(s.hashes / Math.max(0.001, secs)), shares_accepted: s.accepted, shares_rejected: s.rejected, blocks_won: s.blocks, fees_earned: fees };
}
