/**
 * Transparent huge pages for the embedded database's WebAssembly heap.
 *
 * PostgreSQL touches tens of megabytes of its heap as it opens (shared
 * buffers, catalog caches), one page fault per 4 KiB page; on this project's
 * VMs a fault costs ~11 µs, so opening an existing data directory spent
 * ~130 ms faulting. Advised MADV_HUGEPAGE (native/idx_memory.c, built with
 * the hash engine by `npm ci`), the heap is faulted in 2 MiB at a time.
 *
 * PGlite creates its WebAssembly.Memory itself, so while the database opens
 * the global constructor is replaced by a subclass that advises each memory
 * it makes, and put back after. Only the database's own thread does this
 * (pglite-thread.ts: nothing else there creates memories meanwhile). Without
 * the addon, or where the kernel says no, the memory is as it would be.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../root.ts';

const WASM_PAGE = 65_536;

interface MemoryAddon {
  adviseHugePages(buffer: ArrayBuffer, bytes: number): number;
}
interface MemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}
type MemoryCtor = new (d: MemoryDescriptor) => { readonly buffer: ArrayBuffer };

/** The addon, or null when it was not built (or does not load). */
export function loadMemoryAddon(addonPath = path.join(projectRoot(import.meta.url), 'build', 'Release', 'idx_memory.node')): MemoryAddon | null {
  if (!existsSync(addonPath)) return null;
  try {
    const addon = createRequire(import.meta.url)(addonPath) as Partial<MemoryAddon>;
    return typeof addon.adviseHugePages === 'function' ? (addon as MemoryAddon) : null;
  } catch {
    return null;
  }
}

/** Runs `open` with every WebAssembly memory created meanwhile advised for huge pages; `advised` hears each result (0 or an errno). */
export async function withHugePages<T>(open: () => Promise<T>, addon = loadMemoryAddon(), advised?: (errno: number) => void): Promise<T> {
  if (addon === null) return open();
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: MemoryCtor } }).WebAssembly;
  const Original = wasm.Memory;
  class AdvisedMemory extends Original {
    constructor(d: MemoryDescriptor) {
      super(d);
      if (d.shared) return; // never made here; its buffer is not an ArrayBuffer
      // The whole range the memory may grow into: V8 reserves it up front, so growth stays advised.
      const errno = addon!.adviseHugePages(this.buffer, Math.max(this.buffer.byteLength, (d.maximum ?? d.initial) * WASM_PAGE));
      advised?.(errno);
    }
  }
  wasm.Memory = AdvisedMemory;
  try {
    return await open();
  } finally {
    wasm.Memory = Original;
  }
}
