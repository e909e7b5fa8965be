/** Huge pages for the database's WebAssembly heap: memories made while it opens are advised, the constructor is put back after. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMemoryAddon, withHugePages } from '../../../src/infra/db/huge-pages.ts';

const Wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer } } }).WebAssembly;

test('memories made inside are advised over their whole reservation; the constructor is restored, even on failure', async () => {
  const Original = Wasm.Memory;
  const calls: Array<[number, number]> = [];
  const addon = { adviseHugePages: (b: ArrayBuffer, bytes: number) => (calls.push([b.byteLength, bytes]), 0) };
  const mem = await withHugePages(async () => new Wasm.Memory({ initial: 2, maximum: 16 }), addon);
  assert.ok(mem instanceof Original, 'still a WebAssembly.Memory');
  assert.deepEqual(calls, [[2 * 65_536, 16 * 65_536]]);
  assert.equal(Wasm.Memory, Original);
  new Wasm.Memory({ initial: 1 });
  assert.equal(calls.length, 1, 'memories made after are not advised');
  await assert.rejects(
    withHugePages(async () => {
      throw new Error('open failed');
    }, addon),
    /open failed/,
  );
  assert.equal(Wasm.Memory, Original);
});

test('without the addon, open runs as is', async () => {
  const Original = Wasm.Memory;
  assert.equal(await withHugePages(async () => 42, null), 42);
  assert.equal(Wasm.Memory, Original);
  assert.equal(loadMemoryAddon('/nonexistent/idx_memory.node'), null);
});

test('the built addon advises a real memory (0), or says why not (an errno), and refuses bad arguments', { skip: loadMemoryAddon() === null && 'the native addon is not built' }, async () => {
  const addon = loadMemoryAddon()!;
  const results: number[] = [];
  const mem = await withHugePages(async () => new Wasm.Memory({ initial: 64, maximum: 1024 }), addon, (e) => results.push(e));
  assert.equal(results.length, 1);
  assert.ok(results[0] === 0 || results[0]! > 0, `errno ${results[0]}`);
  new Uint8Array(mem.buffer).fill(1); // still usable
  assert.throws(() => (addon.adviseHugePages as (...a: unknown[]) => number)('not a buffer', 1), TypeError);
});
