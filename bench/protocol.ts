/**
 * The work protocol (docs/PROTOCOL.md), two parts:
 * (a) hashing over the protocol: `idxchain mine --threads 1 --engine native
 *     --duration S` against a server child, and the same engine scanning in
 *     this process for the same time, alternated --rounds times (medians);
 *     the goal is a ratio >= 0.9.
 * (b) N idle remote miners (sockets from this process, authenticated by
 *     header): server RSS before and after they connect (memory per
 *     connection), and job broadcast latency: one more socket seals a block
 *     (BATCH_SIZE 1, a payment per seal, low DIFFICULTY) and every idle socket
 *     times its new `job` from the moment the winning `submit` left (an upper
 *     bound), and from the seal's end (that minus the seal's duration as the
 *     server measures it: round build and fan-out).
 *   npm run --silent bench -- protocol [--json] [--seconds 3] [--rounds 3] [--miners 1000] [--seals 10]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { availableEngines } from '../src/mining/engines/index.ts';
import type { EngineName } from '../src/mining/engines/types.ts';
import { measure } from './hash.ts';
import { cpuModel, flag, newUser, output, request, round, startServer, summary, type BenchUser } from './lib.ts';
import { median, serverMemoryArgs, settledMemory } from './memory.ts';

const token = (u: BenchUser) => u.headers.authorization!.slice(7);

async function users(url: string, n: number, balance = '1000.00', parallel = 16): Promise<BenchUser[]> {
  const out: BenchUser[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        out.push(await newUser(url, balance));
      }
    }),
  );
  return out;
}

async function pay(url: string, from: BenchUser, to: BenchUser, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await request(`${url}/api/transactions`, 'POST', { receiver_idx: to.userIdx, amount: '1.00' }, from.headers);
    if (r.status !== 201) throw new Error(`pay: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

function cliMine(url: string, tok: string, engine: EngineName, seconds: number): Promise<{ hashes: number; hash_rate: number; shares_accepted: number; shares_rejected: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['bin/idxchain.mjs', '--url', url, '--json', 'mine', '--threads', '1', '--engine', engine, '--duration', String(seconds)], {
      env: { ...process.env, IDXCHAIN_TOKEN: tok, IDXCHAIN_HOME: mkdtempSync(path.join(os.tmpdir(), 'idx-bench-home-')) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`idxchain mine exited ${code}`))));
  });
}

/** (a) The remote miner's hash rate against the same engine in-process. */
async function hashing(seconds: number, rounds: number) {
  const engine: EngineName = availableEngines().includes('native') ? 'native' : 'js';
  const server = await startServer({ SCRYPT_COST: '1024', DIFFICULTY: '7', BATCH_SIZE: '1', SYSTEM_MINER: 'off', MINING_THREADS: '0' });
  try {
    const [miner, payer, payee] = await users(server.url, 3);
    await pay(server.url, payer!, payee!, 50); // work for the whole run: a round per payment, a block every ~2^28 hashes
    const inproc: number[] = [];
    const remote: number[] = [];
    const wall: number[] = [];
    let shares = 0;
    for (let r = 0; r < rounds; r++) {
      inproc.push(measure(engine, seconds));
      const s = await cliMine(server.url, token(miner!), engine, seconds);
      remote.push(s.hash_rate);
      wall.push(s.hashes / seconds);
      shares += s.shares_accepted;
    }
    const a = median(inproc);
    const b = median(remote);
    return {
      engine,
      seconds,
      rounds,
      in_process_hps: Math.round(a),
      remote_hps: Math.round(b),
      ratio: round(b / a, 3),
      remote_wall_clock_hps: Math.round(median(wall)),
      wall_clock_ratio: round(median(wall) / a, 3),
      shares_accepted: shares,
    };
  } finally {
    await server.stop();
  }
}

interface Sock {
  readonly ws: WebSocket;
  /** Arrival time of the job of each height. */
  readonly jobs: Map<number, number>;
  last: { job_id: string; height: number; header_hex: string; target: string } | null;
}

function open(url: string, u: BenchUser): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/mining/ws`, { headers: u.headers, perMessageDeflate: false });
    const s: Sock = { ws, jobs: new Map(), last: null };
    ws.on('message', (d) => {
      const at = performance.now();
      const m = JSON.parse(String(d)) as Record<string, unknown>;
      if (m.type === 'authorized') resolve(s);
      else if (m.type === 'job') {
        s.jobs.set(Number(m.height), at);
        s.last = m as unknown as Sock['last'];
      } else if (m.type === 'error' || (m.type === 'rejected' && m.code === 'UNAUTHORIZED')) reject(new Error(String(m.error)));
    });
    ws.once('error', reject);
  });
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function grind(job: NonNullable<Sock['last']>): number {
  const header = Buffer.concat([Buffer.from(job.header_hex, 'hex'), Buffer.alloc(4)]);
  for (let n = 0; ; n++) {
    header.writeUInt32BE(n, header.length - 4);
    if (createHash('sha256').update(header).digest('hex') <= job.target) return n;
  }
}

/** The sum of a metric over its labels (0 before its first observation). */
async function metric(url: string, name: string): Promise<number> {
  const text = String((await request(`${url}/metrics`, 'GET')).body);
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

/** (b) N idle remote miners: memory per connection and job broadcast latency after a seal. */
async function broadcast(n: number, seals: number) {
  const memFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'idx-bench-mem-')), 'memory.json');
  const server = await startServer({ SCRYPT_COST: '1024', DIFFICULTY: '3', BATCH_SIZE: '1', SYSTEM_MINER: 'off', MINING_THREADS: '0', MAX_MINERS: String(n + 10), BENCH_MEMORY_FILE: memFile }, { nodeArgs: serverMemoryArgs });
  const socks: Sock[] = [];
  try {
    const t0 = performance.now();
    const all = await users(server.url, n + 3);
    const registerS = (performance.now() - t0) / 1000;
    const [payer, payee, sealer] = all.slice(n);
    const before = await settledMemory(server.proc.pid!, memFile);
    for (let i = 0; i < n; i += 100) socks.push(...(await Promise.all(all.slice(i, Math.min(n, i + 100)).map((u) => open(server.url, u)))));
    const active = async () => ((await request(`${server.url}/api/mining/pool-status`, 'GET')).body as { pool: { active_miners: number } }).pool.active_miners;
    for (let t = 0; (await active()) < n; t++) {
      if (t > 300) throw new Error('the miners did not all join the pool');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await settledMemory(server.proc.pid!, memFile);
    const miner = await open(server.url, sealer!);
    await pay(server.url, payer!, payee!, seals + 1);
    const submitToJob: number[] = [];
    const fanOut: number[] = [];
    const sealToJob: number[] = [];
    const sealMs: number[] = [];
    for (let s = 0; s < seals; s++) {
      await until('a job on the sealing socket', () => miner.last !== null && !miner.jobs.has(miner.last.height + 1));
      const job = miner.last!;
      await until(`the job of height ${job.height} on every socket`, () => socks.every((k) => k.jobs.has(job.height)));
      const nonce = grind(job);
      const sealed0 = await metric(server.url, 'idxchain_seal_duration_seconds_sum');
      const sent = performance.now();
      miner.ws.send(JSON.stringify({ type: 'submit', job_id: job.job_id, nonce }));
      const h = job.height + 1;
      await until(`the job of height ${h} on every socket`, () => socks.every((k) => k.jobs.has(h)));
      const times = socks.map((k) => k.jobs.get(h)!);
      const first = Math.min(...times);
      // The seal's own duration, measured by the server (validate and commit): what is left is round build and fan-out.
      const seal = ((await metric(server.url, 'idxchain_seal_duration_seconds_sum')) - sealed0) * 1000;
      sealMs.push(seal);
      for (const t of times) {
        submitToJob.push(t - sent);
        sealToJob.push(t - sent - seal);
        fanOut.push(t - first);
      }
    }
    const st = (await request(`${server.url}/api/mining/pool-status`, 'GET')).body as { pool: { active_miners: number; round_build_ms: { p50: number; p99: number } } };
    return {
      miners: n,
      register_login_s: round(registerS),
      active_miners: st.pool.active_miners,
      rss_before_mb: round(before.rssKb / 1024),
      rss_after_mb: round(after.rssKb / 1024),
      rss_kb_per_connection: round((after.rssKb - before.rssKb) / n),
      live_kb_per_connection: round((after.liveKb - before.liveKb) / n),
      seals,
      seal_to_job_ms: summary(sealToJob),
      submit_to_job_ms: summary(submitToJob),
      fan_out_ms: summary(fanOut),
      seal_ms: summary(sealMs),
      round_build_ms: st.pool.round_build_ms,
    };
  } finally {
    for (const s of socks) s.ws.terminate();
    await server.stop();
    rmSync(path.dirname(memFile), { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const seconds = flag(args, '--seconds', 3);
  const rounds = flag(args, '--rounds', 3);
  const n = flag(args, '--miners', 1000);
  const seals = flag(args, '--seals', 10);
  const a = await hashing(seconds, rounds);
  const b = await broadcast(n, seals);
  output(args, { bench: 'protocol', cpu: cpuModel(), cores: os.availableParallelism(), hashing: a, broadcast: b }, [
    { measure: `in-process ${a.engine}, 1 thread (MH/s)`, value: round(a.in_process_hps / 1e6) },
    { measure: 'idxchain mine --threads 1 (MH/s, while working)', value: round(a.remote_hps / 1e6) },
    { measure: 'ratio (goal >= 0.9)', value: a.ratio },
    { measure: 'idxchain mine over the whole --duration (MH/s)', value: round(a.remote_wall_clock_hps / 1e6) },
    { measure: `server RSS, ${b.miners} idle miners (MB before -> after)`, value: `${b.rss_before_mb} -> ${b.rss_after_mb}` },
    { measure: 'memory per connection, RSS / live heap + external (KB)', value: `${b.rss_kb_per_connection} / ${b.live_kb_per_connection}` },
    { measure: `seal -> new job on ${b.miners} sockets, p50 / p99 ms (goal p99 < 50)`, value: `${b.seal_to_job_ms.p50} / ${b.seal_to_job_ms.p99}` },
    { measure: 'winning submit -> new job (seal included), p50 / p99 ms', value: `${b.submit_to_job_ms.p50} / ${b.submit_to_job_ms.p99}` },
    { measure: 'fan-out, first -> each socket, p50 / p99 ms', value: `${b.fan_out_ms.p50} / ${b.fan_out_ms.p99}` },
    { measure: 'seal (server) p50 ms / round build p50 ms', value: `${b.seal_ms.p50} / ${b.round_build_ms.p50}` },
  ]);
}
