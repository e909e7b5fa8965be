/**
 * `idxchain mine` as a person sees it, against a real server on a free port:
 * the live line on a pseudo-terminal (util-linux `script`), plain periodic
 * lines without one, and a clean exit with the summary on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { payVia, registerUser, startLedger, tempDir, type TestLedger, type TestUser } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = path.resolve('bin/idxchain.mjs');
const SCRIPT = '/usr/bin/script';
const LIVE = /\r\x1b\[2K\d+\.\d\d MH\/s {2}height \d+ {2}shares \d+\/\d+ {2}blocks \d+/;
const SUMMARY = /mined \d+ hashes \(\d+\.\d\d MH\/s\), shares \d+ accepted \/ \d+ rejected, blocks won \d+, fees earned ₹\d+\.\d\d/;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string>, onStart?: (pid: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (onStart) onStart(p.pid!);
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('idxchain mine on a terminal and off it', () => {
  let L: TestLedger;
  let url: string;
  let payer: TestUser;
  const home = tempDir('idx-mine-');
  before(async () => {
    // Blocks take ~2^28 hashes and there is a round per payment: the miners always have work, and shares come often.
    L = await startLedger('pglite', { env: { DIFFICULTY: '7', BATCH_SIZE: '1' } });
    await L.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(L.app.server.address() as { port: number }).port}`;
    payer = await registerUser(L, '10000.00');
    const payee = await registerUser(L, '1.00');
    for (let i = 0; i < 10; i++) assert.equal((await payVia(L, payer, payee.userIdx, '1.00')).statusCode, 201);
  });
  after(async () => {
    await L.stop();
  });

  test('a live line on a terminal, plain periodic lines without one, each ending with the summary', { skip: !existsSync(SCRIPT) && 'no util-linux script' }, async () => {
    const [a, b] = [await registerUser(L, '1.00'), await registerUser(L, '1.00')];
    const cmd = [process.execPath, BIN, '--url', url, 'mine', '--duration', '3'].map(shellQuote).join(' ');
    const [tty, plain] = await Promise.all([
      run(SCRIPT, ['-qfec', cmd, '/dev/null'], { IDXCHAIN_HOME: home, IDXCHAIN_TOKEN: a.token }),
      run(process.execPath, [BIN, '--url', url, 'mine', '--duration', '6'], { IDXCHAIN_HOME: home, IDXCHAIN_TOKEN: b.token }),
    ]);
    assert.equal(tty.code, 0, tty.stdout + tty.stderr);
    assert.match(tty.stdout, LIVE, 'the live line redraws in place');
    assert.match(tty.stdout, SUMMARY);
    assert.ok(tty.stdout.indexOf('\x1b[2K') < tty.stdout.search(SUMMARY), 'the summary comes after the live line');

    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /[\r\x1b]/, 'no terminal control without a terminal');
    const lines = plain.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 2, plain.stdout);
    for (const l of lines.slice(0, -1)) assert.match(l, /^\d+\.\d\d MH\/s {2}height \d+ {2}shares \d+\/\d+ {2}blocks \d+$/);
    assert.match(lines.at(-1)!, SUMMARY);
  });

  test('SIGTERM on a two-thread miner: a clean exit with the JSON summary', async () => {
    const m = await registerUser(L, '1.00');
    let pid = 0;
    const done = run(process.execPath, [BIN, '--url', url, 'mine', '--threads', '2', '--json'], { IDXCHAIN_HOME: home, IDXCHAIN_TOKEN: m.token }, (p) => (pid = p));
    // An accepted share proves it hashed.
    await waitFor('an accepted share', async () => L.pool.hashRate(m.userIdx) > 0, 30_000);
    process.kill(pid, 'SIGTERM');
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(s).sort(), ['blocks_won', 'fees_earned', 'hash_rate', 'hashes', 'shares_accepted', 'shares_rejected']);
    assert.ok(s.hashes > 0 && s.hash_rate > 0 && s.shares_accepted > 0, r.stdout);
    assert.match(s.fees_earned, /^\d+\.\d\d$/);
  });

  test('bad options are usage errors', async () => {
    for (const args of [['--threads', '0'], ['--threads', 'two'], ['--duration', '-1']]) {
      const r = await run(process.execPath, [BIN, '--url', url, 'mine', ...args], { IDXCHAIN_HOME: home, IDXCHAIN_TOKEN: payer.token });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--(threads|duration) takes/);
    }
  });
});
