/**
 * The hashing threads start when a round first needs them, else a while after start: creating
 * them holds the event loop, which the first requests after start-up need (compose.ts).
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { payVia, registerUser, startLedger } from '../helpers/ledger.ts';
import { waitFor } from '../helpers/wait.ts';

function captured() {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const launched = () => lines.some((l) => l.includes('hash engine selected'));
  return { logStream, launched };
}

describe('hashing threads launch', () => {
  test('not at start: as soon as the first round needs them', async () => {
    const { logStream, launched } = captured();
    const L = await startLedger('pglite', { env: { LOG_LEVEL: 'info' }, logger: true, logStream, hasherLaunchMs: 600_000 });
    try {
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(launched(), false, 'no round yet: no threads');
      const miner = await registerUser(L);
      const payee = await registerUser(L);
      assert.equal((await L.app.inject({ method: 'POST', url: '/api/mining/start', headers: miner.auth })).statusCode, 200);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(launched(), false, 'a miner but nothing to seal: no round, no threads');
      await payVia(L, miner, payee.userIdx, '10.00');
      await waitFor('the threads launched for the first round', async () => launched());
    } finally {
      await L.stop();
    }
  });

  test('without any round: after the launch delay', async () => {
    const { logStream, launched } = captured();
    const L = await startLedger('pglite', { env: { LOG_LEVEL: 'info' }, logger: true, logStream, hasherLaunchMs: 20 });
    try {
      await waitFor('the threads launched after the delay', async () => launched());
    } finally {
      await L.stop();
    }
  });
});
