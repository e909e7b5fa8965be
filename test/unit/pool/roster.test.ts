import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MinerRoster } from '../../../src/mining/pool/roster.ts';

const idx = (c: string) => 'IDX_' + c.repeat(32);

describe('MinerRoster', () => {
  test('ids are shared until the membership changes; a change rebuilds them in join order', () => {
    const r = new MinerRoster();
    r.add(idx('1'));
    r.add(idx('2'), true);
    const ids = r.ids();
    assert.equal(r.ids(), ids);
    assert.deepEqual([...ids], [idx('1'), idx('2')]);
    assert.deepEqual([...r.local().ids], [idx('1')], 'remote miners hash on their own machines');
    r.delete(idx('1'));
    assert.notEqual(r.ids(), ids);
    assert.deepEqual([...r.ids()], [idx('2')]);
  });

  test('since(): who joined a race after it started (absent) and who left it (departed)', () => {
    const r = new MinerRoster();
    for (const c of ['1', '2', '3']) r.add(idx(c));
    const raced = r.ids();
    assert.deepEqual(r.since(raced), { absent: [], departed: [] }, 'unchanged membership');
    r.delete(idx('2'));
    r.add(idx('4'));
    assert.deepEqual(r.since(raced), { absent: [idx('4')], departed: [idx('2')] });
    r.add(idx('2')); // left and came back: raced, in the roster again
    assert.deepEqual(r.since(raced), { absent: [idx('4')], departed: [] });
  });
});
