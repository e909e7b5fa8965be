/** Every engine agrees with node:crypto: vectors, random headers, nonce-range boundaries and the 32-bit wrap. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { availableEngines, createEngine, selectEngine, verifyEngine } from '../../../src/mining/engines/index.ts';
import { prepareHeader } from '../../../src/mining/engines/prepare.ts';
import type { EngineName, ScanResult } from '../../../src/mining/engines/types.ts';
import { targetForDifficulty, meetsTarget } from '../../../src/domain/pow.ts';
import { HEADER_HEX } from '../../vectors/domain.ts';

const hashWith = (header: Uint8Array, nonce: number) => {
  const h = Uint8Array.from(header);
  new DataView(h.buffer).setUint32(h.length - 4, nonce);
  return createHash('sha256').update(h).digest();
};

/** The first nonce in [start, start+count) (mod 2^32) meeting the target, by brute force with node:crypto. */
function reference(header: Uint8Array, target: Uint32Array, start: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const n = (start + i) >>> 0;
    if (meetsTarget(hashWith(header, n), target)) return n;
  }
  return -1;
}

const engines = availableEngines();

test('the pure TypeScript engine is always available, and the default is the fastest that verifies', () => {
  assert.ok(engines.includes('js'));
  assert.equal(selectEngine().name, engines[0]);
});

test('HASH_ENGINE=wasm is available: the WebAssembly SIMD engine verifies', () => {
  assert.ok(engines.includes('wasm'));
  assert.equal(selectEngine('wasm').name, 'wasm');
});

/** Runs `code` (which may import the engines as `m`) in a child node with `flags` and `env`; returns its stdout. */
function child(flags: string[], env: Record<string, string>, code: string): string {
  const url = new URL('../../../src/mining/engines/index.ts', import.meta.url).href;
  const src = `const m = await import(${JSON.stringify(url)}); ${code}`;
  return execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', src], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}
const report = `const r = {}; try { m.selectEngine(FORCED); r.forced = 'ok'; } catch (e) { r.forced = e.message; } r.selected = m.selectEngine().name; console.log(JSON.stringify(r));`;

test('a forced engine that is unavailable fails with a clear message; selection falls back', () => {
  // A missing native addon.
  const native = JSON.parse(child([], { IDXCHAIN_NATIVE_ADDON: '/nonexistent/idx_sha256.node' }, report.replace('FORCED', "'native'")));
  assert.match(native.forced, /^HASH_ENGINE=native is not available: the native addon was not built/);
  assert.equal(native.selected, 'wasm');
  // A runtime without WebAssembly (node --jitless): wasm fails clearly, js is selected.
  const wasm = JSON.parse(child(['--jitless'], { IDXCHAIN_NATIVE_ADDON: '/nonexistent/idx_sha256.node' }, report.replace('FORCED', "'wasm'")));
  assert.match(wasm.forced, /^HASH_ENGINE=wasm is not available: this runtime has no WebAssembly/);
  assert.equal(wasm.selected, 'js');
  assert.throws(() => selectEngine('nope' as EngineName), /HASH_ENGINE=nope is not available: unknown hash engine "nope"/);
});

for (const name of engines as EngineName[]) {
  describe(`${name} engine`, () => {
    const engine = createEngine(name);
    const out: ScanResult = { found: false, nonce: 0, hashes: 0 };

    test('verifies at start-up', () => verifyEngine(engine));

    test('finds the first qualifying nonce on the pinned header and on random headers', () => {
      const headers = [Buffer.from(HEADER_HEX, 'hex'), ...Array.from({ length: 6 }, () => randomBytes(108))];
      for (const h of headers) {
        const header = new Uint8Array(h);
        const target = targetForDifficulty(2);
        const start = Math.floor(Math.random() * 2 ** 32);
        const expect = reference(header, target, start, 3000);
        engine.scan(prepareHeader(header, target), start, 3000, out);
        assert.equal(out.found ? out.nonce : -1, expect);
        if (out.found) assert.equal(out.hashes, ((expect - start) >>> 0) + 1);
        else assert.equal(out.hashes, 3000);
      }
    });

    test('range boundaries: the first and the last nonce, and the wrap past 0xFFFFFFFF', () => {
      const header = new Uint8Array(randomBytes(108));
      const easy = new Uint32Array(8).fill(0xffffffff); // every hash meets it
      engine.scan(prepareHeader(header, easy), 0xffffffff, 1, out);
      assert.deepEqual([out.found, out.nonce, out.hashes], [true, 0xffffffff, 1]);
      engine.scan(prepareHeader(header, easy), 0, 1, out);
      assert.deepEqual([out.found, out.nonce, out.hashes], [true, 0, 1]);
      // A target exactly equal to one hash: only that nonce qualifies.
      const wanted = 2; // the nonce after the wrap: 0xfffffffe, 0xffffffff, 0, 1, 2
      const digest = hashWith(header, wanted);
      const exact = new Uint32Array(8);
      for (let i = 0; i < 8; i++) exact[i] = digest.readUInt32BE(i * 4);
      engine.scan(prepareHeader(header, exact), 0xfffffffe, 10, out);
      assert.equal(out.found, true);
      assert.equal(out.nonce, reference(header, exact, 0xfffffffe, 10));
      // Never a false positive on an impossible target.
      engine.scan(prepareHeader(header, new Uint32Array(8)), 0xffffff00, 512, out);
      assert.deepEqual([out.found, out.hashes], [false, 512]);
    });

    test('headers of other lengths (nonce last) hash the same as node:crypto', () => {
      for (const len of [68, 80, 100, 116]) {
        const header = new Uint8Array(randomBytes(len));
        const target = targetForDifficulty(1);
        const expect = reference(header, target, 7, 200);
        engine.scan(prepareHeader(header, target), 7, 200, out);
        assert.equal(out.found ? out.nonce : -1, expect, `length ${len}`);
      }
    });
  });
}
