import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { fromHex, toHex } from '../../../src/domain/hex.ts';
import { merkleRoot, sha256, txMerkleRoot } from '../../../src/domain/merkle.ts';
import { txLeaf } from '../../../src/domain/transaction.ts';
import { MERKLE_ROOTS, TX1_LEAF, vectorTx } from '../../vectors/domain.ts';

const H = (...p: Uint8Array[]) => createHash('sha256').update(Buffer.concat(p)).digest();
const leafHash = (l: Uint8Array) => H(Buffer.of(0), l);
const node = (a: Uint8Array, b: Uint8Array) => H(Buffer.of(1), a, b);

describe('sha256', () => {
  test('hashes the concatenation of its parts', () => {
    assert.equal(toHex(sha256()), createHash('sha256').digest('hex'));
    assert.equal(toHex(sha256(new Uint8Array())), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(toHex(sha256(Buffer.from('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.deepEqual(sha256(Buffer.from('a'), Buffer.from('bc')), sha256(Buffer.from('abc')));
    assert.ok(sha256() instanceof Uint8Array);
    assert.equal(sha256().length, 32);
  });
});

describe('txLeaf', () => {
  test('the canonical text of the payment, UTF-8, decimal paise', () => {
    assert.equal(Buffer.from(txLeaf(vectorTx(1))).toString('utf8'), TX1_LEAF);
    assert.equal(
      Buffer.from(txLeaf({ ...vectorTx(1), amount: 1n, feeTotal: 0n, feeMiner: 0n, feeBanks: 0n })).toString(),
      `TX_${'0'.repeat(31)}1|IDX_${'a'.repeat(32)}|IDX_${'b'.repeat(32)}|1|0|0|0`,
    );
    assert.equal(Buffer.from(txLeaf({ ...vectorTx(1), amount: 10n ** 15n })).toString().split('|')[3], '1000000000000000');
  });
  test('every field changes the leaf', () => {
    const base = toHex(txLeaf(vectorTx(1)));
    const t = vectorTx(1);
    for (const over of [{ txId: t.txId.replace(/1$/, '2') }, { senderIdx: 'IDX_' + 'c'.repeat(32) }, { receiverIdx: 'IDX_' + 'c'.repeat(32) }, { amount: 1n }, { feeTotal: 1n }, { feeMiner: 1n }, { feeBanks: 1n }]) {
      assert.notEqual(toHex(txLeaf({ ...t, ...over })), base, JSON.stringify(Object.keys(over)));
    }
  });
});

describe('merkleRoot', () => {
  test('empty is 32 zero bytes; one leaf is its leaf hash', () => {
    assert.deepEqual(merkleRoot([]), new Uint8Array(32));
    const l = fromHex('68656c6c6f');
    assert.equal(toHex(merkleRoot([l])), leafHash(l).toString('hex'));
  });
  test('pinned roots for 0, 1, 2, 3 and 5 payments', () => {
    for (const [n, root] of Object.entries(MERKLE_ROOTS)) {
      const txs = Array.from({ length: Number(n) }, (_, i) => vectorTx(i + 1));
      assert.equal(toHex(txMerkleRoot(txs)), root, `n=${n}`);
    }
  });
  test('2, 3 and 5 leaves computed by hand with node:crypto: the odd node is promoted, not duplicated', () => {
    const L = [1, 2, 3, 4, 5].map((i) => leafHash(txLeaf(vectorTx(i))));
    const [a, b, c, d, e] = L as [Buffer, Buffer, Buffer, Buffer, Buffer];
    assert.equal(toHex(txMerkleRoot([1, 2].map(vectorTx))), node(a, b).toString('hex'));
    assert.equal(toHex(txMerkleRoot([1, 2, 3].map(vectorTx))), node(node(a, b), c).toString('hex'));
    assert.equal(MERKLE_ROOTS[3], node(node(a, b), c).toString('hex'));
    assert.equal(MERKLE_ROOTS[5], node(node(node(a, b), node(c, d)), e).toString('hex'));
    assert.equal(toHex(txMerkleRoot([1, 2, 3, 4, 5].map(vectorTx))), MERKLE_ROOTS[5]);
  });
  test('no CVE-2012-2459: [x, y, z] and [x, y, z, z] have different roots', () => {
    const [x, y, z] = [fromHex('01'), fromHex('02'), fromHex('03')];
    assert.notEqual(toHex(merkleRoot([x, y, z])), toHex(merkleRoot([x, y, z, z])));
    assert.notEqual(toHex(merkleRoot([x, y])), toHex(merkleRoot([x, y, y])));
  });
  test('leaves and nodes are domain-separated: a node cannot pose as a leaf', () => {
    const [x, y] = [fromHex('01'), fromHex('02')];
    const inner = Buffer.concat([leafHash(x), leafHash(y)]);
    assert.notEqual(toHex(merkleRoot([inner])), toHex(merkleRoot([x, y])));
  });
  test('order matters, and every leaf count up to 17 agrees with a hand-rolled reference', () => {
    const [x, y] = [fromHex('01'), fromHex('02')];
    assert.notEqual(toHex(merkleRoot([x, y])), toHex(merkleRoot([y, x])));
    const reference = (leaves: Uint8Array[]): Uint8Array => {
      let level: Uint8Array[] = leaves.map(leafHash);
      while (level.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i + 1 < level.length; i += 2) next.push(node(level[i]!, level[i + 1]!));
        if (level.length % 2 === 1) next.push(level[level.length - 1]!);
        level = next;
      }
      return level[0]!;
    };
    for (let n = 1; n <= 17; n++) {
      const leaves = Array.from({ length: n }, (_, i) => Uint8Array.of(i, n));
      assert.equal(toHex(merkleRoot(leaves)), toHex(reference(leaves)), `n=${n}`);
    }
  });
  test('the input is not modified', () => {
    const leaves = [fromHex('01'), fromHex('02'), fromHex('03')];
    merkleRoot(leaves);
    assert.deepEqual(leaves.map(toHex), ['01', '02', '03']);
  });
});
