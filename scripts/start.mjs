// `npm start`: runs the server from the start-up bundle in dist/ (scripts/build.mjs),
// building it first when it is missing or older than any source file, the lockfile or
// the build script, so an edited source is never run stale.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsBuild } from './bundle-state.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (needsBuild(ROOT)) {
  const { buildBundle } = await import('./build.mjs');
  await buildBundle();
}
await import('../dist/server.mjs');
