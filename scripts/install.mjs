// npm ci / npm install run this: builds the start-up bundle (dist/, see
// scripts/build.mjs) and the SHA-NI addon with node-gyp. It never fails the
// install: without a compiler, headers or node-gyp, the server uses another
// hash engine and says why at start-up (and the store opens without huge pages); a bundle that failed to build is
// built (or its error shown) by `npm start`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  const { buildBundle } = await import('./build.mjs');
  await buildBundle();
} catch (e) {
  console.log(`idxchain install: the start-up bundle was not built (${String(e?.message ?? e).split('\n')[0]}); npm start will try again.`);
}
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  console.log('idxchain install: node-gyp is not installed (production install?); the native hash engine is skipped.');
  process.exit(0);
}
// Build against the headers on this machine (never download them).
const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..'), '/usr', '/usr/local'];
const nodedir = candidates.find((d) => d && existsSync(path.join(d, 'include', 'node', 'node_api.h')));
if (!nodedir) {
  console.log("idxchain install: Node's headers were not found; the native hash engine is skipped.");
  process.exit(0);
}
const t0 = Date.now();
const r = spawnSync(process.execPath, [gyp, 'rebuild', '--loglevel=error', `--nodedir=${nodedir}`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status === 0 && existsSync('build/Release/idx_sha256.node')) {
  const memory = existsSync('build/Release/idx_memory.node') ? ' and the huge-page helper of the embedded store' : '';
  console.log(`idxchain install: built the native SHA-NI hash engine${memory} in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
} else {
  const why = (r.stderr || r.stdout || String(r.error ?? 'unknown error')).trim().split('\n').slice(-3).join(' | ');
  console.log(`idxchain install: the native hash engine was not built (${why}); the server will use WebAssembly or JavaScript.`);
}
process.exit(0);
