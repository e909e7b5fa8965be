/**
 * `idxchain`: the ledger from a terminal. Global options --url and --json go
 * before or after the command; --help on every command. The token from
 * `login` is kept in $IDXCHAIN_HOME/credentials.json (mode 0600);
 * IDXCHAIN_TOKEN overrides it.
 */
import { Command, Option } from 'commander';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mine } from './mine.ts';

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface Globals {
  url: string;
  json: boolean;
}

function home(): string {
  return process.env.IDXCHAIN_HOME ?? path.join(os.homedir(), '.config', 'idxchain');
}

function credentialsFile(): string {
  return path.join(home(), 'credentials.json');
}

function savedToken(): string {
  if (process.env.IDXCHAIN_TOKEN) return process.env.IDXCHAIN_TOKEN;
  try {
    const c = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as { token?: string };
    if (c.token) return c.token;
  } catch {
    /* none saved */
  }
  throw new CliError('Not logged in: run `idxchain login --pan P --rbi R --bank B` first (or set IDXCHAIN_TOKEN).', 2);
}

async function call(g: Globals, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(new URL(route, g.url), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`Cannot reach the server at ${g.url}: is it running? (set --url)`, 3);
  }
  let json: Record<string, unknown>;
  try {
    json = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new CliError(`The server at ${g.url} answered ${res.status} without JSON: is it an idxchain server?`, 3);
  }
  if (res.status === 401) throw new CliError(`Unauthorized: ${String(json.error ?? '')} Log in again with \`idxchain login\`.`, 4);
  if (res.status === 429) {
    const wait = res.headers.get('retry-after');
    throw new CliError(`Rate limited: ${String(json.error ?? '')}${wait ? ` Try again in ${wait} s.` : ''}`, 5);
  }
  if (!res.ok) throw new CliError(`${String(json.error ?? `The server answered ${res.status}.`)} (${String(json.code ?? res.status)})`, 1);
  return json;
}

const auth = () => ({ authorization: `Bearer ${savedToken()}` });

function print(g: Globals, json: unknown, human: () => string): void {
  process.stdout.write((g.json ? JSON.stringify(json) : human()) + '\n');
}

type Tx = { tx_id: string; sender_idx: string; receiver_idx: string; amount: string; fee_total: string; status: string; block_height: number | null };
const txLine = (t: Tx) =>
  `${t.tx_id}  ${t.status.padEnd(9)} ₹${t.amount} (+₹${t.fee_total} fee)  ${t.sender_idx} -> ${t.receiver_idx}${t.block_height ? `  block ${t.block_height}` : ''}`;

export function buildProgram(): Command {
  const program = new Command('idxchain')
    .description('The idxchain ledger from a terminal: accounts, payments, blocks and the mining pool.')
    .addOption(new Option('--url <url>', 'server URL').default(process.env.IDXCHAIN_URL ?? 'http://127.0.0.1:5000'))
    .option('--json', 'print one JSON object on stdout, for scripts', false)
    .enablePositionalOptions(false)
    .showHelpAfterError();
  const g = (): Globals => program.opts() as Globals;
  const sub = (name: string, desc: string) =>
    program
      .command(name)
      .description(desc)
      .addOption(new Option('--url <url>', 'server URL').hideHelp())
      .addOption(new Option('--json', 'JSON output').hideHelp())
      .hook('preAction', (_p, cmd) => {
        const o = cmd.opts() as Partial<Globals>;
        if (o.url) program.setOptionValue('url', o.url);
        if (o.json) program.setOptionValue('json', true);
      });

  sub('register', 'register a user with a PAN')
    .requiredOption('--pan <pan>', 'PAN, e.g. ABCDE1234F')
    .requiredOption('--rbi <rbi>', 'your RBI number (the secret you log in with)')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--balance <rupees>', 'initial balance, e.g. 10000.00')
    .action(async (o: { pan: string; rbi: string; name: string; balance: string }) => {
      const r = await call(g(), 'POST', '/api/auth/register', { pan_card: o.pan, rbi_number: o.rbi, full_name: o.name, initial_balance: o.balance });
      const u = r.user as { user_idx: string; balance: string };
      print(g(), r, () => `Registered ${u.user_idx} with ₹${u.balance}.`);
    });

  sub('login', 'log in and keep the token for the next commands')
    .requiredOption('--pan <pan>', 'PAN')
    .requiredOption('--rbi <rbi>', 'RBI number')
    .requiredOption('--bank <bank>', 'SBI, HDFC, ICICI, AXIS, KOTAK or PNB')
    .action(async (o: { pan: string; rbi: string; bank: string }) => {
      const r = await call(g(), 'POST', '/api/auth/login', { pan_card: o.pan, rbi_number: o.rbi, bank_name: o.bank });
      mkdirSync(home(), { recursive: true, mode: 0o700 });
      writeFileSync(credentialsFile(), JSON.stringify({ url: g().url, user_idx: r.user_idx, token: r.token }) + '\n', { mode: 0o600 });
      chmodSync(credentialsFile(), 0o600);
      print(g(), { success: true, user_idx: r.user_idx, expires_in: r.expires_in }, () => `Logged in as ${String(r.user_idx)} (token kept in ${credentialsFile()}).`);
    });

  sub('me', 'your balance, held funds and recent payments').action(async () => {
    const r = await call(g(), 'GET', '/api/users/me', undefined, auth());
    const u = r.user as { user_idx: string; full_name: string; balance: string; held: string; recent_transactions: Tx[] };
    print(g(), r, () => [`${u.full_name} (${u.user_idx})`, `balance ₹${u.balance}, held ₹${u.held}`, ...u.recent_transactions.map(txLine)].join('\n'));
  });

  sub('pay', 'pay another user (amount + 1.5% fee is held at once)')
    .argument('<receiver_idx>', "the receiver's user_idx")
    .argument('<amount>', 'rupees, e.g. 500.00')
    .option('--idempotency-key <key>', 'retrying with the same key never pays twice')
    .action(async (receiver: string, amount: string, o: { idempotencyKey?: string }) => {
      const r = await call(g(), 'POST', '/api/transactions', { receiver_idx: receiver, amount }, { ...auth(), ...(o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}) });
      print(g(), r, () => txLine(r.transaction as Tx));
    });

  sub('tx', 'one of your payments')
    .argument('<tx_id>', 'the payment id')
    .action(async (id: string) => {
      const r = await call(g(), 'GET', `/api/transactions/${encodeURIComponent(id)}`, undefined, auth());
      print(g(), r, () => txLine(r.transaction as Tx));
    });

  sub('status', 'the pool and the chain at a glance').action(async () => {
    const [p, v] = await Promise.all([call(g(), 'GET', '/api/mining/pool-status'), call(g(), 'GET', '/api/chain/verify')]);
    const pool = p.pool as Record<string, unknown>;
    print(g(), { success: true, pool, chain: { valid: v.valid, height: v.height } }, () =>
      [
        `pool: ${pool.is_running ? 'running' : 'stopped'}, ${String(pool.active_miners)}/${String(pool.max_capacity)} miners, engine ${String(pool.engine)}, ${String(pool.hash_rate_per_second)} H/s`,
        `chain: height ${String(v.height)}, ${v.valid ? 'valid' : `INVALID at ${String(v.bad_height)}: ${String(v.reason)}`}`,
      ].join('\n'),
    );
  });

  sub('leaderboard', 'the top miners')
    .addOption(new Option('--sort <by>', 'blocks or fees').choices(['blocks', 'fees']).default('blocks'))
    .option('--limit <n>', '1 to 100', '10')
    .action(async (o: { sort: string; limit: string }) => {
      const r = await call(g(), 'GET', `/api/mining/leaderboard?sort_by=${o.sort}&limit=${encodeURIComponent(o.limit)}`);
      const rows = r.leaderboard as Array<{ rank: number; user_idx: string; total_blocks_mined: number; total_fees_earned: string; win_rate: number }>;
      print(g(), r, () =>
        rows.length === 0 ? 'No miners yet.' : rows.map((x) => `${String(x.rank).padStart(3)}. ${x.user_idx}  ${x.total_blocks_mined} blocks  ₹${x.total_fees_earned}  ${x.win_rate}% won`).join('\n'),
      );
    });

  const auditCmd = sub('audit', 'the audit log (needs the auditor key: AUDITOR_KEY, or DATA_DIR/auditor-key)');
  const auditorKey = (): Record<string, string> => {
    let key = process.env.AUDITOR_KEY;
    if (!key) {
      const file = path.resolve(process.env.DATA_DIR ?? './data', 'auditor-key');
      try {
        key = readFileSync(file, 'utf8').trim();
      } catch {
        throw new CliError(`No auditor key: set AUDITOR_KEY, or run beside the server's data directory (${file} not found).`, 2);
      }
    }
    return { authorization: `Bearer ${key}` };
  };
  auditCmd
    .command('verify')
    .description('verify the whole hash chain; exit 1 when it is broken')
    .action(async () => {
      const t0 = performance.now();
      const v = await call(g(), 'GET', '/api/audit/verify', undefined, auditorKey());
      const seconds = Number(((performance.now() - t0) / 1000).toFixed(3));
      print(g(), { ...v, seconds }, () =>
        v.valid ? `valid: ${String(v.count)} records, head ${String(v.head)} (${seconds} s)` : `BROKEN at record ${String(v.bad_seq)}: ${String(v.reason)}`,
      );
      if (!v.valid) process.exit(1);
    });
  auditCmd
    .command('export')
    .description('print records as JSON lines')
    .option('--after <n>', 'start after this sequence number', '0')
    .action(async (o: { after: string }) => {
      let after = Number(o.after);
      if (!Number.isSafeInteger(after) || after < 0) throw new CliError('--after takes a whole number.', 1);
      for (;;) {
        const page = await call(g(), 'GET', `/api/audit?after=${after}&limit=1000`, undefined, auditorKey());
        const records = page.records as Array<{ seq: number }>;
        for (const r of records) process.stdout.write(JSON.stringify(r) + '\n');
        if (page.next_after === null || records.length === 0) break;
        after = page.next_after as number;
      }
    });

  sub('mine', 'mine over the work protocol with this machine\'s hash engine')
    .option('--threads <n>', 'hashing threads, each on its own part of the nonce space (1 to 256)', '1')
    .addOption(new Option('--engine <name>', 'hash engine').choices(['native', 'wasm', 'js']))
    .option('--duration <seconds>', 'stop after this many seconds')
    .action(async (o: { threads: string; engine?: 'native' | 'wasm' | 'js'; duration?: string }) => {
      const threads = Number(o.threads);
      if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new CliError('--threads takes a whole number from 1 to 256.', 1);
      const duration = o.duration === undefined ? undefined : Number(o.duration);
      if (duration !== undefined && !(Number.isFinite(duration) && duration > 0)) throw new CliError('--duration takes a positive number of seconds.', 1);
      const token = savedToken();
      let summary;
      try {
        summary = await mine({ url: g().url, token, json: g().json, out: process.stdout, threads, ...(o.engine ? { engine: o.engine } : {}), ...(duration ? { durationSeconds: duration } : {}) });
      } catch (e) {
        throw new CliError((e as Error).message, 4);
      }
      print(g(), summary, () =>
        `mined ${summary.hashes} hashes (${(summary.hash_rate / 1e6).toFixed(2)} MH/s), shares ${summary.shares_accepted} accepted / ${summary.shares_rejected} rejected, blocks won ${summary.blocks_won}, fees earned ₹${summary.fees_earned}`,
      );
      process.exit(0);
    });

  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CliError) {
      const json = (program.opts() as Globals).json || process.argv.includes('--json');
      process.stderr.write(json ? JSON.stringify({ success: false, error: e.message }) + '\n' : `idxchain: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    const code = (e as { exitCode?: number; code?: string }).exitCode;
    if (typeof code === 'number') process.exit(code); // commander: --help (0) or a usage error (1), already printed
    process.stderr.write(`idxchain: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main();
