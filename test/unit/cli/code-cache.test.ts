/** V8's code cache for the bundle's main module: written once, used at the next start, never a stale or refused one. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { cacheFileFor, loadCommonJs } from '../../../src/cli/code-cache.ts';
import { tempDir } from '../../helpers/ledger.ts';

interface Mod {
  readonly double: (n: number) => number;
  readonly dir: string;
  readonly hasRequire: boolean;
}

let unique = 0;
/** A module text this process has not compiled yet (V8 keeps compiled texts in memory, cache or not). */
const moduleText = () => `'use strict';
const os = require('node:os');
module.exports = { double: (n) => n * 2, dir: __dirname, hasRequire: typeof os.cpus === 'function', id: '${process.pid}-${++unique}' };
`;

/** How another process loads it: the cache state and double(4); `save`: then saves, as a server does once it listens. */
function loadElsewhere(file: string, save = false): string {
  const code = `import { loadCommonJs } from ${JSON.stringify(path.resolve('src/cli/code-cache.ts'))}; const m = loadCommonJs(${JSON.stringify(file)}); console.log(m.cache, m.exports.double(4));${save ? ' m.save();' : ''}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' }).trim();
}

describe('code cache', () => {
  test('the first run compiles and saves; the next uses the cache; save() is once', () => {
    const dir = tempDir('idx-cc-');
    const file = path.join(dir, 'mod.cjs');
    writeFileSync(file, moduleText());
    const first = loadCommonJs<Mod>(file);
    assert.equal(first.cache, 'absent');
    assert.equal(first.exports.double(21), 42);
    assert.equal(first.exports.dir, dir, '__dirname is the module folder');
    assert.equal(first.exports.hasRequire, true, 'require resolves from the module');
    assert.equal(existsSync(first.cacheFile), false);
    assert.equal(first.save(), true);
    assert.equal(existsSync(first.cacheFile), true);
    assert.equal(first.save(), false, 'once');
    assert.equal(loadElsewhere(file), 'used 8', 'the next start runs from the cache');
    const again = loadCommonJs<Mod>(file);
    assert.equal(again.save(), false, 'a cache that was used stays');
  });

  test('a changed module of the same length never meets the old cache, which is removed when the new one is saved', () => {
    const dir = tempDir('idx-cc-');
    const file = path.join(dir, 'mod.cjs');
    const text = moduleText();
    writeFileSync(file, text);
    const old = loadCommonJs<Mod>(file);
    old.save();
    const changed = text.replace('n * 2', 'n * 3');
    assert.equal(changed.length, text.length);
    writeFileSync(file, changed);
    const next = loadCommonJs<Mod>(file);
    assert.equal(next.cache, 'absent');
    assert.notEqual(next.cacheFile, old.cacheFile);
    assert.equal(next.exports.double(2), 6, 'the new text runs');
    next.save();
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.cache')), [path.basename(next.cacheFile)]);
  });

  test('a damaged cache (its length kept, its bytes zeroed) is compiled without and replaced, never run', () => {
    const dir = tempDir('idx-cc-');
    const file = path.join(dir, 'mod.cjs');
    writeFileSync(file, moduleText());
    const first = loadCommonJs<Mod>(file);
    assert.equal(first.save(), true);
    const stored = readFileSync(first.cacheFile);
    stored.fill(0, Math.floor(stored.length / 2));
    writeFileSync(first.cacheFile, stored);
    // V8 checks a cache's length and header, not its bytes: run from these it would crash the process.
    assert.equal(loadElsewhere(file, true), 'rejected 8');
    assert.equal(loadElsewhere(file), 'used 8', 'the start that refused it wrote a good one');
  });

  test('a cache V8 refuses is compiled without and replaced', () => {
    const dir = tempDir('idx-cc-');
    const file = path.join(dir, 'mod.cjs');
    writeFileSync(file, moduleText());
    const garbage = Buffer.from('not a code cache');
    writeFileSync(cacheFileFor(file, readFileSync(file)), Buffer.concat([createHash('sha256').update(garbage).digest(), garbage]));
    const refused = loadCommonJs<Mod>(file);
    assert.equal(refused.cache, 'rejected');
    assert.equal(refused.exports.double(5), 10);
    assert.equal(refused.save(), true);
    assert.equal(loadElsewhere(file), 'used 8');
  });

  test('a cache it cannot write: save() says false, nothing throws', () => {
    const dir = tempDir('idx-cc-');
    const file = path.join(dir, 'mod.cjs');
    writeFileSync(file, moduleText());
    const m = loadCommonJs<Mod>(file);
    mkdirSync(m.cacheFile); // the cache file's name taken by a folder: the rename fails
    assert.equal(m.save(), false);
  });
});
