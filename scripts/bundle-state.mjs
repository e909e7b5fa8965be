// Whether the start-up bundle (dist/) must be built again: it is missing, or a
// source file, the lockfile or the build script is newer than it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function needsBuild(root) {
  const stamp = path.join(root, 'dist', '.built');
  if (!existsSync(stamp)) return true;
  const inputs = ['package-lock.json', 'scripts/build.mjs'].map((f) => path.join(root, f)).filter((f) => existsSync(f));
  const sources = Math.max(newest(path.join(root, 'src')), ...inputs.map((f) => statSync(f).mtimeMs));
  return statSync(stamp).mtimeMs < sources;
}
