/** Shared pieces of the benchmarks: a server child process on a free port, an HTTP client, percentiles, output. */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface Server {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly dataDir: string;
  readonly startedAt: number;
  readonly readyMs: number;
  stop(): Promise<void>;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Res {
  status: number;
  body: unknown;
  ms: number;
}

export function request(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url,
      { method, agent, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, ms: performance.now() - t0 });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Starts `npm start`'s entry point with the given settings and waits for the first successful request. */
export async function ensureBundle(): Promise<void> {
  // Built before any timing starts, so that no figure includes a build.
  const { needsBuild } = await import('../scripts/bundle-state.mjs');
  if (process.env.BENCH_SOURCE || !needsBuild(process.cwd())) return;
  const { buildBundle } = await import('../scripts/build.mjs');
  await buildBundle({ quiet: true });
}

/** The node flags of `npm start` (package.json's start script: `node <flags> scripts/start.mjs`), so that a bench runs the server `npm start` runs. */
export function startFlags(root = process.cwd()): string[] {
  const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /^node\s+(.*?)\s*scripts\/start\.mjs$/.exec(script.trim())?.[1];
  return flags ? flags.split(/\s+/) : [];
}

export async function startServer(env: Record<string, string>, opts: { dataDir?: string; nodeArgs?: string[] } = {}): Promise<Server> {
  await ensureBundle();
  const port = await freePort();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'idx-bench-'));
  const startedAt = performance.now();
  // What `npm start` runs (the start-up bundle, rebuilt when a source is newer); BENCH_SOURCE=1 runs the TypeScript through tsx.
  const entry = process.env.BENCH_SOURCE ? ['--import', 'tsx', 'src/cli/server.ts'] : ['scripts/start.mjs'];
  // npm start's own node flags, the bench's, and BENCH_SERVER_ARGS="--cpu-prof …" (NODE_OPTIONS refuses some).
  const nodeArgs = [...startFlags(), ...(opts.nodeArgs ?? []), ...(process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : [])];
  const proc = spawn(process.execPath, [...nodeArgs, ...entry], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    // BENCH_SERVER_LOG=<file> keeps the server's log (warnings and errors) for a look after the run.
    stdio: ['ignore', process.env.BENCH_SERVER_LOG ? openSync(process.env.BENCH_SERVER_LOG, 'a') : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error('the server exited during start-up');
    try {
      const r = await request(`${url}/health/ready`, 'GET');
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - startedAt;
  return {
    url,
    proc,
    dataDir,
    startedAt,
    readyMs,
    // A data directory made here is removed with the server (an e2e run leaves ~400 MB); BENCH_KEEP_DATA=1 keeps it.
    stop: async () => {
      if (!exited) {
        const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        await gone;
      }
      if (!opts.dataDir && !process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summary(xs: number[]): { n: number; p50: number; p99: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

export function round(x: number, d = 2): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

let panSeq = 0;
export function benchPan(): string {
  panSeq++;
  const L = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const n = panSeq;
  return `BN${L[Math.floor(n / 676) % 26]}${L[Math.floor(n / 26) % 26]}${L[n % 26]}${String(Math.floor(n / 17576) % 10000).padStart(4, '0')}B`;
}

export interface BenchUser {
  readonly userIdx: string;
  readonly headers: Record<string, string>;
}

export async function newUser(url: string, balance = '100000000.00'): Promise<BenchUser> {
  const pan = benchPan();
  const reg = await request(`${url}/api/auth/register`, 'POST', { pan_card: pan, rbi_number: 'bench', full_name: 'Bench User', initial_balance: balance });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const login = await request(`${url}/api/auth/login`, 'POST', { pan_card: pan, rbi_number: 'bench', bank_name: 'SBI' });
  const b = login.body as { token: string; user_idx: string };
  return { userIdx: b.user_idx, headers: { authorization: `Bearer ${b.token}` } };
}

export function cpuModel(): string {
  return os.cpus()[0]?.model ?? 'unknown';
}

/** Prints a table for people, or one JSON object with --json. */
export function output(args: string[], result: Record<string, unknown>, rows: Array<Record<string, unknown>>): void {
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  console.table(rows);
}

export function flag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`${name} wants a number`);
  return v;
}
