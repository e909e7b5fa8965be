// Bench-only preload for a server child started with --expose-gc: SIGUSR2 runs
// a full garbage collection and writes process.memoryUsage() to
// $BENCH_MEMORY_FILE, so samples before and after compare live memory.
import { writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  if (process.env.BENCH_MEMORY_FILE) writeFileSync(process.env.BENCH_MEMORY_FILE, JSON.stringify(process.memoryUsage()));
});
