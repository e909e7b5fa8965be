// The start-up bundle: the server and its worker threads as a few ES modules
// in dist/, so `npm start` loads compiled JavaScript instead of transpiling
// ~100 TypeScript files and resolving thousands of package files on every
// start. Built by `npm ci` (scripts/install.mjs) and again by `npm start`
// (scripts/start.mjs) whenever a source file is newer than the bundle. Tests
// and tools keep running the TypeScript sources through tsx.
//
// The worker threads' entry files are named as their source twins
// (`new URL('./hash-worker-entry.mjs', import.meta.url)` finds dist/'s when
// it runs from dist/). PGlite (it loads its WebAssembly and data beside its
// own files), the drivers that are loaded only when configured, and native
// code stay outside the bundle. Swagger UI and @fastify/static are inside it
// (loading them from node_modules took ~80 ms of the main thread at start):
// src/api/server.ts names Swagger UI's asset folder, which its own code would
// look for beside itself.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const STAMP = path.join(DIST, '.built');

const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg', 'pg-native', 'ioredis', 'tsx', 'tsx/*', 'esbuild'];

export async function buildBundle({ quiet = false } = {}) {
  const t0 = Date.now();
  mkdirSync(DIST, { recursive: true });
  // Chunks are content-named: remove the last build's so that none is left behind.
  for (const f of readdirSync(DIST)) if (/\.(mjs|map)$/.test(f) || f === '.built') rmSync(path.join(DIST, f));
  await build({
    absWorkingDir: ROOT,
    entryPoints: {
      server: 'src/cli/server.ts',
      'hash-worker-entry': 'src/mining/workers/hash-worker.ts',
      'pglite-thread-entry': 'src/infra/db/pglite-thread.ts',
    },
    outdir: DIST,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __idxCreateRequire } from 'node:module'; const require = __idxCreateRequire(import.meta.url);" },
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  if (!quiet) console.log(`idxchain build: the start-up bundle in dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBundle();
}
