/**
 * `npm start` runs the start-up bundle (dist/): built when missing or older
 * than a source, and a working server from it: the ledger, the dashboard's
 * files (found from dist/ as from src/), Swagger UI's, the code cache it
 * writes for the next start, and a clean stop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { needsBuild } from '../../scripts/bundle-state.mjs';
import { freePort, newUser, request } from '../../bench/lib.ts';
import { tempDir } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

describe('the start-up bundle', () => {
  test('is built again when missing, or when a source, the lockfile or the build script is newer', () => {
    const root = tempDir('idx-bundle-');
    mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    mkdirSync(path.join(root, 'scripts'));
    mkdirSync(path.join(root, 'dist'));
    const at = (file: string, seconds: number) => {
      const p = path.join(root, file);
      writeFileSync(p, 'x');
      utimesSync(p, seconds, seconds);
    };
    at('src/deep/a.ts', 1000);
    at('package-lock.json', 1000);
    at('scripts/build.mjs', 1000);
    assert.equal(needsBuild(root), true, 'no bundle yet');
    at('dist/.built', 2000);
    assert.equal(needsBuild(root), false);
    at('src/deep/a.ts', 3000);
    assert.equal(needsBuild(root), true, 'a source edited after the build');
    at('dist/.built', 4000);
    at('package-lock.json', 5000);
    assert.equal(needsBuild(root), true, 'dependencies changed');
    at('dist/.built', 6000);
    at('scripts/build.mjs', 7000);
    assert.equal(needsBuild(root), true, 'the build itself changed');
  });

  test('npm start serves the ledger and the dashboard from it, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = spawn(process.execPath, ['scripts/start.mjs'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: tempDir('idx-bundle-data-'), LOG_LEVEL: 'warn', SCRYPT_COST: '1024', SYSTEM_MINER: 'off' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the server ready', async () => (await request(`${url}/health/ready`, 'GET').catch(() => null))?.status === 200, 60_000);
      const a = await newUser(url, '100.00');
      const b = await newUser(url, '1.00');
      const pay = await request(`${url}/api/transactions`, 'POST', { receiver_idx: b.userIdx, amount: '1.00' }, a.headers);
      assert.equal(pay.status, 201, JSON.stringify(pay.body));
      const page = await request(`${url}/`, 'GET');
      assert.equal(page.status, 200);
      assert.match(String(page.body), /<html/i);
      assert.equal((await request(`${url}/vendor/preact.mjs`, 'GET')).status, 200, 'vendor modules found from dist/');
      const pool = (await request(`${url}/api/mining/pool-status`, 'GET')).body as { pool: { engine: string } };
      assert.ok(['native', 'wasm', 'js'].includes(pool.pool.engine));
      const docs = await request(`${url}/docs/static/swagger-ui.css`, 'GET');
      assert.equal(docs.status, 200, "Swagger UI's assets found from dist/");
      assert.equal((await request(`${url}/docs/nope`, 'GET')).status, 404, 'no route beyond its own');
      // Strict, as the ES modules it bundles are: a banner before esbuild's directive would make it sloppy.
      assert.ok(readFileSync(path.resolve('dist', 'compose.cjs'), 'utf8').startsWith("'use strict';"));
      // V8's code cache of the main module, for the next start (src/cli/code-cache.ts).
      await waitFor('the code cache', async () => readdirSync(path.resolve('dist')).some((f) => /^compose\.cjs\.[0-9a-f]{16}\.cache$/.test(f)));
    } finally {
      proc.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
  });
});
