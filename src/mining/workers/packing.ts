/**
 * A round's candidate headers travel to a hashing thread as one buffer (one
 * copy however many miners race) and are read back as 108-byte views.
 */
import { HEADER_SIZE } from '../../domain/header.ts';
/** The headers as one buffer: the one they are views of when they lie in order in it (buildJob), else a copy. */
export function packHeaders(headers: readonly Uint8Array[]): Uint8Array {
  const n = headers.length;
  const first = headers[0];
  if (first && first.byteOffset === 0 && first.buffer.byteLength === n * HEADER_SIZE && headers.every((h, i) => h.buffer === first.buffer && h.byteOffset === i * HEADER_SIZE && h.length === HEADER_SIZE)) {
    return new Uint8Array(first.buffer, 0, n * HEADER_SIZE);
  }
  const out = new Uint8Array(n * HEADER_SIZE);
  headers.forEach((h, i) => out.set(h.subarray(0, HEADER_SIZE), i * HEADER_SIZE));
  return out;
}

/** The 108-byte views of a packed buffer. */
export function unpackHeaders(packed: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at + HEADER_SIZE <= packed.length; at += HEADER_SIZE) out.push(packed.subarray(at, at + HEADER_SIZE));
  return out;
}
