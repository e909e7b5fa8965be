/**
 * Merkle root of a block's payments: leaf = SHA-256(0x00 || leaf bytes),
 * node = SHA-256(0x01 || left || right); an odd node at the end of a level is
 * promoted unchanged (no duplication, so no CVE-2012-2459 style collisions).
 */
import { createHash } from 'node:crypto';
import { txLeaf, type TxRecord } from './transaction.ts';

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export function merkleRoot(leaves: ReadonlyArray<Uint8Array>): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = leaves.map((l) => sha256(LEAF, l));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(NODE, level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

export function txMerkleRoot(txs: ReadonlyArray<TxRecord>): Uint8Array {
  return merkleRoot(txs.map(txLeaf));
}
