import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as domain from '../../../src/domain/index.ts';

test('src/domain/index.ts re-exports the whole domain core', () => {
  const names = [
    'IdxError', 'isIdxError', 'ERROR_CODES',
    'MAX_AMOUNT_PAISE', 'parseAmount', 'formatPaise', 'paiseFromDb',
    'roundHalfUpDiv', 'computeFees', 'splitBankPool',
    'BANK_CODES', 'BANK_NAMES', 'QUORUM', 'parseBankCode',
    'USER_IDX_RE', 'SYSTEM_MINER_IDX', 'TX_ID_RE', 'PAN_RE', 'newUserIdx', 'newTxId', 'parsePan', 'parseUserIdx',
    'userIdxToBytes', 'bytesToUserIdx', 'maskPan',
    'toHex', 'fromHex', 'bytesEqual',
    'txLeaf', 'sha256', 'merkleRoot', 'txMerkleRoot',
    'HEADER_SIZE', 'NONCE_OFFSET', 'HEADER_VERSION', 'createHeader', 'encodeHeader', 'decodeHeader', 'hashHeader', 'withNonce',
    'targetForDifficulty', 'meetsTarget', 'meetsDifficulty',
    'REJECT_REASONS', 'validateBlock', 'runConsensus',
  ];
  for (const n of names) assert.ok(n in domain && (domain as Record<string, unknown>)[n] !== undefined, n);
});

test('the domain core imports nothing but node:crypto and itself', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const dir = new URL('../../../src/domain/', import.meta.url);
  const mine = ['money', 'fees', 'banks', 'ids', 'hex', 'transaction', 'merkle', 'header', 'pow', 'validation', 'index'].map((n) => `${n}.ts`);
  const files = (await readdir(dir)).filter((f) => mine.includes(f));
  assert.equal(files.length, mine.length);
  for (const f of files) {
    const src = await readFile(new URL(f, dir), 'utf8');
    for (const m of src.matchAll(/from '([^']+)'/g)) assert.ok(/^\.\/[a-z]+\.ts$|^node:crypto$/.test(m[1]!), `${f} imports ${m[1]}`);
    assert.ok(!/process\.env|Date\.now|new Date|performance\.now/.test(src), `${f} reads the environment or the clock`);
    assert.ok(src.split('\n').length <= 300, `${f} is over 300 lines`);
  }
});
