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
// (loading them from node_modules took ~80 ms of the main thread at start);
// Swagger UI's modules are given their folder in node_modules, where its
// assets are (ownFolder below).
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const STAMP = path.join(DIST, '.built');

const EXTERNAL = ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pg', 'pg-native', 'ioredis', 'tsx', 'tsx/*', 'esbuild'];

// The server's main module is CommonJS (dist/compose.cjs) so that it can run with V8's code cache
// (src/cli/code-cache.ts; Node 20 caches no ES module). In dist/server.mjs, src/cli/server.ts's
// import of the composition root loads it so; tests and tools import the TypeScript as it is.
const COMPOSE = path.join(ROOT, 'src', 'compose.ts');
const composeViaCodeCache = (names) => ({
  name: 'compose-via-code-cache',
  setup(b) {
    b.onResolve({ filter: /compose\.ts$/ }, (args) =>
      path.resolve(args.resolveDir, args.path) === COMPOSE && args.importer === path.join(ROOT, 'src', 'cli', 'server.ts') ? { path: 'compose', namespace: 'idx-cached' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'idx-cached' }, () => ({
      resolveDir: ROOT,
      loader: 'js',
      contents: [
        `import { fileURLToPath } from 'node:url';`,
        `import { loadCommonJs } from ${JSON.stringify(path.join(ROOT, 'src', 'cli', 'code-cache.ts'))};`,
        `export const codeCache = loadCommonJs(fileURLToPath(new URL('./compose.cjs', import.meta.url)));`,
        `export const { ${names.join(', ')} } = codeCache.exports;`,
      ].join('\n'),
    }));
  },
});

/**
 * A bundled package that finds files beside its own code (`__dirname`): give its modules the folder
 * they have in node_modules, found at run time (Swagger UI serves its assets from there).
 */
const ownFolder = (pkg) => ({
  name: `own-folder:${pkg}`,
  setup(b) {
    const root = path.join(ROOT, 'node_modules', ...pkg.split('/'));
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(root + path.sep)) return undefined;
      const sub = path.relative(root, path.dirname(args.path)).split(path.sep).filter(Boolean);
      const dir = `require('node:path').join(require('node:path').dirname(require.resolve(${JSON.stringify(`${pkg}/package.json`)})), ${sub.map((p) => JSON.stringify(p)).join(', ') || "'.'"})`;
      return { contents: `var __dirname = ${dir};\n${readFileSync(args.path, 'utf8')}`, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
});

/** The names compose.ts exports (its values; a CommonJS build's metafile lists none). */
async function composeExports() {
  const r = await build({ absWorkingDir: ROOT, entryPoints: [COMPOSE], bundle: false, format: 'esm', write: false, metafile: true, outdir: DIST, logLevel: 'error' });
  return Object.values(r.metafile.outputs).flatMap((o) => o.exports);
}

export async function buildBundle({ quiet = false } = {}) {
  const t0 = Date.now();
  mkdirSync(DIST, { recursive: true });
  // Chunks are content-named: remove the last build's so that none is left behind.
  for (const f of readdirSync(DIST)) if (/\.(mjs|cjs|map|cache|tmp)$/.test(f) || f === '.built') rmSync(path.join(DIST, f));
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
    plugins: [composeViaCodeCache(await composeExports())],
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { compose: 'src/compose.ts' },
    outdir: DIST,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: [...EXTERNAL, '@fastify/swagger-ui/package.json'],
    // Its modules find their files (worker entries, the project root) from dist/, as in the ES build.
    define: { 'import.meta.url': '__idx_import_meta_url' },
    // import() of a package becomes require(): Node 20 loses a cached script's import() callback.
    supported: { 'dynamic-import': false },
    // "use strict" first: a banner before esbuild's own directive would leave the module sloppy, where
    // the ES modules it bundles (and the CommonJS ones, inside the ES bundle) always ran strict.
    banner: { js: "'use strict';const __idx_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [ownFolder('@fastify/swagger-ui')],
    // No comments or indentation: less text to read, hash and scan at each start, and all of it
    // ASCII (a comment with one non-ASCII character made V8 hold the whole text as UTF-16).
    minifyWhitespace: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  if (/\bimport\(/.test(readFileSync(path.join(DIST, 'compose.cjs'), 'utf8'))) throw new Error('dist/compose.cjs calls import(), which fails when it runs from its code cache');
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  if (!quiet) console.log(`idxchain build: the start-up bundle in dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBundle();
}
