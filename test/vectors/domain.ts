/**
 * Pinned vectors of the domain core. If any of these change, every stored
 * chain stops verifying and every client's arithmetic disagrees with ours.
 *
 * Every value here is a literal, computed once outside the code under test:
 * the header bytes assembled by hand (Python struct.pack, big-endian), hashes
 * with Python hashlib, merkle roots with an independent Python implementation
 * of the tree (leaf 0x00, node 0x01, odd node promoted), fees with Python's
 * Decimal ROUND_HALF_UP, bank splits with a Python loop. The unit tests check
 * them again against node:crypto on bytes they assemble themselves.
 */
import type { BlockHeader } from '../../src/domain/header.ts';
import type { TxRecord } from '../../src/domain/transaction.ts';

/** The fixed header: every field distinct, so a misplaced field shows. */
export const HEADER_FIELDS: BlockHeader = {
  version: 1,
  height: 42n,
  prevHash: new Uint8Array(32).map((_, i) => i), // 00 01 02 .. 1f
  merkleRoot: new Uint8Array(32).fill(0xab),
  timestampMs: 1766745000000n, // 0x0000019b5a354840
  difficulty: 4,
  miner: new Uint8Array(16).map((_, i) => 0xf0 + i), // f0 f1 .. ff (IDX_f0f1...ff)
  nonce: 0xdeadbeef,
};

/** The 108 bytes of HEADER_FIELDS, field by field. */
export const HEADER_HEX =
  '00000001' + // 0 version
  '000000000000002a' + // 4 height 42
  '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' + // 12 prevHash
  'ab'.repeat(32) + // 44 merkleRoot
  '0000019b5a354840' + // 76 timestampMs
  '00000004' + // 84 difficulty
  'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff' + // 88 miner
  'deadbeef'; // 104 nonce
export const HEADER_SHA256 = '0db71e1c70689d9fdb99bc3b5de588c473f12f7db1c1701f3caeba6f5415bbd6';

/**
 * HEADER_FIELDS with difficulty d: the first nonce from 0 whose hash begins
 * with d hex zeros, and that hash.
 */
export const MINED: ReadonlyArray<{ difficulty: number; nonce: number; hash: string }> = [
  { difficulty: 1, nonce: 4, hash: '047d188db5d8f2dfe54bed0e8ccc24aa915de2ca411ad26ea1cf2e632ad55713' },
  { difficulty: 2, nonce: 4, hash: '00b1eb423909eb2d0e8b916fe384e0bfb3fef1324ce03ebf868084b3f65358e4' },
  { difficulty: 3, nonce: 1646, hash: '000d9156a769be87b1daa863b8476ec1d76ae239024e931f91f39e993eaad877' },
];

/** Payment i: ₹1,000 × i from IDX_aaa… to IDX_bbb…, fees written out (1.5% of a multiple of 100 rupees is exact). */
export function vectorTx(i: number): TxRecord {
  return {
    txId: 'TX_' + String(i).padStart(32, '0'),
    senderIdx: 'IDX_' + 'a'.repeat(32),
    receiverIdx: 'IDX_' + 'b'.repeat(32),
    amount: BigInt(i * 100_000),
    feeTotal: BigInt(i * 1_500),
    feeMiner: BigInt(i * 500),
    feeBanks: BigInt(i * 1_000),
  };
}

/** The leaf of vectorTx(1), as text. */
export const TX1_LEAF = `TX_${'0'.repeat(31)}1|IDX_${'a'.repeat(32)}|IDX_${'b'.repeat(32)}|100000|1500|500|1000`;

/** txMerkleRoot of vectorTx(1..n). */
export const MERKLE_ROOTS: Readonly<Record<number, string>> = {
  0: '0'.repeat(64),
  1: '9f6cabdea91e38ddd6aca7e4c035968d83f2cbe47dd454330991876e810fb5ec',
  2: 'efcf04b7302d2254706c3b8f87d1f67e1ef54219820c47b9e4aba374f9acf140',
  3: 'f8b04c9dfad10d2568db332302f356e1ff6668d07203f4fca0eb0006848c80a0',
  5: '6420af60729c2bd639e345ad96c7446dc1d850e9247c8215d01fe6eae82807fd',
};

/** [amount, fee_total, fee_miner, fee_banks] in paise. */
export const FEE_VECTORS: ReadonlyArray<readonly [bigint, bigint, bigint, bigint]> = [
  [1_000_000n, 15_000n, 5_000n, 10_000n], // ₹10,000 -> ₹150.00 / ₹50.00 / ₹100.00 (the seed)
  [1n, 0n, 0n, 0n], // 0.015 / 0.005 -> 0 / 0
  [33n, 0n, 0n, 0n], // 0.495 -> 0, 0.165 -> 0
  [34n, 1n, 0n, 1n], // 0.51 -> 1, 0.17 -> 0
  [66n, 1n, 0n, 1n], // 0.99 -> 1, 0.33 -> 0
  [67n, 1n, 0n, 1n], // 1.005 -> 1, 0.335 -> 0
  [100n, 2n, 1n, 1n], // 1.5 -> 2 and 0.5 -> 1: both exactly half, up
  [101n, 2n, 1n, 1n], // 1.515 -> 2, 0.505 -> 1
  [500n, 8n, 3n, 5n], // 7.5 -> 8, 2.5 -> 3
  [3_333n, 50n, 17n, 33n], // 49.995 -> 50, 16.665 -> 17
  [3_334n, 50n, 17n, 33n], // 50.01 -> 50, 16.67 -> 17
  [9_999n, 150n, 50n, 100n], // 149.985 -> 150, 49.995 -> 50
  [123_456_789n, 1_851_852n, 617_284n, 1_234_568n], // 1851851.835, 617283.945
  [1_000_000_000_000_000n, 15_000_000_000_000n, 5_000_000_000_000n, 10_000_000_000_000n], // the largest amount
];

/** [pool, height, amounts in BANK_CODES order (SBI, HDFC, ICICI, AXIS, KOTAK, PNB)]. */
export const SPLIT_VECTORS: ReadonlyArray<readonly [bigint, bigint, readonly bigint[]]> = [
  [10_000n, 0n, [1667n, 1667n, 1667n, 1667n, 1666n, 1666n]], // the seed: 16.67 ×4 + 16.66 ×2
  [10_000n, 1n, [1666n, 1667n, 1667n, 1667n, 1667n, 1666n]],
  [10_000n, 2n, [1666n, 1666n, 1667n, 1667n, 1667n, 1667n]],
  [10_000n, 3n, [1667n, 1666n, 1666n, 1667n, 1667n, 1667n]],
  [10_000n, 4n, [1667n, 1667n, 1666n, 1666n, 1667n, 1667n]],
  [10_000n, 5n, [1667n, 1667n, 1667n, 1666n, 1666n, 1667n]],
  [10_000n, 6n, [1667n, 1667n, 1667n, 1667n, 1666n, 1666n]], // the rotation repeats every 6 heights
  [10_001n, 3n, [1667n, 1667n, 1666n, 1667n, 1667n, 1667n]],
  [7n, 5n, [1n, 1n, 1n, 1n, 1n, 2n]],
  [5n, 4n, [1n, 1n, 1n, 0n, 1n, 1n]],
  [6n, 2n, [1n, 1n, 1n, 1n, 1n, 1n]],
  [0n, 9n, [0n, 0n, 0n, 0n, 0n, 0n]],
  [
    1_000_000_000_000_001n,
    123_456_789n,
    [166_666_666_666_667n, 166_666_666_666_667n, 166_666_666_666_666n, 166_666_666_666_667n, 166_666_666_666_667n, 166_666_666_666_667n],
  ],
];
