/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real
 * server: the public view, register two users, log in (token in sessionStorage only), start
 * mining, errors beside their fields, pay with the fee shown first, the payment going from
 * pending to confirmed live, the leaderboard and the block explorer updating, the stream
 * dropping (polling takes over, then the stream comes back by itself), stop mining at phone
 * width. Screenshots of the main views go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserAvailable, CHROMIUM, SHOTS, startHarness, type Harness } from './harness.ts';

if (!browserAvailable && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

const text = async (page: Page, testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').trim();

describe('dashboard in a browser', { skip: browserAvailable ? false : `no browser at ${CHROMIUM}` }, () => {
  let H: Harness;
  before(async () => {
    H = await startHarness({ DIFFICULTY: '2', MINING_THREADS: '1' });
  });
  after(async () => {
    await H?.close();
  });

  async function register(page: Page, pan: string, name: string, balance: string): Promise<void> {
    await page.getByLabel('PAN', { exact: true }).last().fill(pan);
    await page.getByLabel('RBI number (your secret)').fill(`secret-${pan}`);
    await page.getByLabel('Full name').fill(name);
    await page.getByLabel('Initial balance (₹)').fill(balance);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText(/^Registered IDX_[0-9a-f]{32}\. Now log in\.$/).waitFor();
  }

  async function login(page: Page, bank: string): Promise<string> {
    // The log-in form was filled in by the registration; the keyboard submits it.
    await page.getByLabel('Bank', { exact: true }).selectOption(bank);
    await page.getByLabel('RBI number', { exact: true }).press('Enter');
    await page.getByTestId('balance').waitFor();
    return text(page, 'my-idx');
  }

  test('the full flow, live', { timeout: 90_000 }, async () => {
    const alice = await H.page({ width: 1280, height: 900 });
    const bob = await H.page({ width: 390, height: 844 }); // phone width

    // ---- without logging in ----
    await alice.goto(H.url);
    await alice.getByTestId('conn').filter({ hasText: 'Live' }).waitFor();
    assert.equal(await text(alice, 'pool-running'), 'running');
    assert.equal(await text(alice, 'pool-miners'), '0 of 100');
    await alice.getByTestId('chain-state').filter({ hasText: 'valid · height 0' }).waitFor();
    await alice.getByTestId('banks').getByText('State Bank of India').waitFor();
    await alice.screenshot({ path: `${SHOTS}/01-public.png`, fullPage: true });

    // ---- register (an error beside the field first) and log in ----
    await alice.getByLabel('PAN', { exact: true }).last().fill('BAD');
    await alice.getByLabel('RBI number (your secret)').fill('s');
    await alice.getByLabel('Full name').fill('Alice');
    await alice.getByLabel('Initial balance (₹)').fill('10');
    await alice.getByRole('button', { name: 'Register' }).click();
    assert.match(await alice.locator('#reg-pan-err').textContent().then(String), /PAN/);
    assert.equal(await alice.locator('#reg-pan').getAttribute('aria-invalid'), 'true');

    await register(alice, 'DASHA1234A', 'Alice Dash', '5000');
    const aliceIdx = await login(alice, 'HDFC');
    assert.match(aliceIdx, /^IDX_[0-9a-f]{32}$/);
    assert.equal(await text(alice, 'balance'), '₹5,000.00');
    // The token lives in sessionStorage only.
    const stored = (await alice.evaluate(`({ session: sessionStorage.getItem('idxchain.token'), local: localStorage.length, cookie: document.cookie })`)) as {
      session: string | null;
      local: number;
      cookie: string;
    };
    assert.match(stored.session ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual([stored.local, stored.cookie], [0, '']);

    await bob.goto(H.url);
    await register(bob, 'DASHB1234B', 'Bob Dash', '10');
    const bobIdx = await login(bob, 'SBI');

    // ---- bob mines ----
    await bob.getByRole('button', { name: 'Start mining' }).click();
    await bob.getByTestId('mining-active').filter({ hasText: 'yes' }).waitFor();
    await alice.getByTestId('pool-miners').filter({ hasText: '1 of 100' }).waitFor();
    await alice.getByTestId('leaderboard').getByText('mining').waitFor();
    await bob.getByRole('button', { name: 'Start mining' }).waitFor({ state: 'detached' });

    // ---- errors beside the fields they concern ----
    await alice.getByLabel('Receiver (user_idx)').fill(bobIdx);
    await alice.getByLabel('Amount (₹)').fill('1.001');
    assert.equal(await alice.locator('#pay-amount-hint').textContent(), 'A 1.5% fee is added to the amount.');
    await alice.getByRole('button', { name: 'Pay' }).click();
    await alice.locator('#pay-amount-err').waitFor();
    assert.match(String(await alice.locator('#pay-amount-err').textContent()), /The amount must be .* at most two decimals/);
    assert.equal(await alice.locator('#pay-amount').getAttribute('aria-invalid'), 'true');
    await alice.screenshot({ path: `${SHOTS}/02-bad-amount.png`, fullPage: true });
    await alice.getByLabel('Receiver (user_idx)').fill('IDX_00000000000000000000000000000000');
    await alice.getByLabel('Amount (₹)').fill('10');
    await alice.getByRole('button', { name: 'Pay' }).click();
    await alice.locator('#pay-to-err').getByText('No user has this receiver.').waitFor();
    assert.equal(await alice.locator('#pay-amount-err').count(), 0);

    // ---- the fee before sending; pending, then confirmed without a reload ----
    await alice.getByLabel('Receiver (user_idx)').fill(bobIdx);
    await alice.getByLabel('Amount (₹)').fill('1000');
    await alice.getByText('Fee ₹15.00 (1.5%); ₹1,015.00 will be held until the payment is confirmed.').waitFor();
    // Every text the payment's status line shows, in order.
    await alice.evaluate(`{
      const seen = (window.seen = []);
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="pay-status"]');
        if (el && el.textContent && seen[seen.length - 1] !== el.textContent) seen.push(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }`);
    await alice.getByRole('button', { name: 'Pay' }).click();
    await alice.getByTestId('pay-status').filter({ hasText: /confirmed in block 1\./ }).waitFor({ timeout: 30_000 });
    const seen = (await alice.evaluate('window.seen')) as string[];
    assert.match(seen[0] ?? '', /pending/, `statuses seen: ${seen.join(' | ')}`);
    await alice.getByTestId('held').filter({ hasText: '₹0.00' }).waitFor();
    assert.equal(await text(alice, 'balance'), '₹3,985.00');
    await alice.getByTestId('tx-status').filter({ hasText: 'confirmed · #1' }).waitFor();
    await bob.getByTestId('balance').filter({ hasText: '₹1,015.00' }).waitFor();
    await alice.getByTestId('chain-state').filter({ hasText: 'valid · height 1' }).waitFor({ timeout: 15_000 });
    await alice.screenshot({ path: `${SHOTS}/03-confirmed.png`, fullPage: true });

    // ---- the leaderboard and the block explorer updated ----
    const board = alice.getByTestId('leaderboard');
    await board.getByText(bobIdx.slice(0, 10)).waitFor();
    await alice.getByRole('button', { name: 'By fees' }).click();
    assert.equal(await alice.getByRole('button', { name: 'By fees' }).getAttribute('aria-pressed'), 'true');
    assert.match(String(await board.locator('tbody tr').first().textContent()), /₹5\.00/);
    await alice.getByRole('button', { name: 'Open block 1' }).click();
    const explorer = alice.getByTestId('explorer');
    await explorer.waitFor();
    const shown = String(await explorer.textContent());
    assert.match(shown, /Bank verdicts: 6 of 6 approved/);
    assert.match(shown, new RegExp(bobIdx));
    assert.match(shown, /₹1,000\.00/);
    assert.equal(await explorer.locator('td.good').count(), 6);
    await alice.screenshot({ path: `${SHOTS}/04-explorer.png`, fullPage: true });
    await alice.getByLabel('Block height').fill('999');
    await alice.getByRole('button', { name: 'Open', exact: true }).click();
    await alice.locator('#block-height-err').getByText('No block at height 999.').waitFor();

    // ---- the stream drops: polling takes over, then the stream comes back by itself ----
    await alice.route('**/api/events*', (r) => r.abort());
    assert.ok(H.dropConnections() > 0);
    await alice.getByTestId('conn').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 15_000 });
    await alice.getByLabel('Receiver (user_idx)').fill(bobIdx);
    await alice.getByLabel('Amount (₹)').fill('10');
    await alice.getByRole('button', { name: 'Pay' }).click();
    await alice.getByTestId('pay-status').filter({ hasText: /₹10\.00: confirmed in block 2\./ }).waitFor({ timeout: 30_000 });
    await alice.getByTestId('blocks').getByRole('button', { name: 'Open block 2' }).waitFor({ timeout: 15_000 });
    assert.match(await text(alice, 'conn'), /Reconnecting/);
    await alice.screenshot({ path: `${SHOTS}/05-polling.png`, fullPage: true });
    await alice.unroute('**/api/events*');
    await alice.getByTestId('conn').filter({ hasText: 'Live' }).waitFor({ timeout: 30_000 });

    // ---- bob's own stats, and stop mining (phone width) ----
    await bob.getByTestId('blocks-won').filter({ hasText: '2' }).waitFor({ timeout: 15_000 });
    assert.equal(await text(bob, 'fees-earned'), '₹5.05');
    await bob.locator('.chart canvas').waitFor();
    await bob.getByRole('button', { name: 'Stop mining' }).click();
    await bob.getByTestId('mining-active').filter({ hasText: 'no' }).waitFor();
    await alice.getByTestId('pool-miners').filter({ hasText: '0 of 100' }).waitFor();
    const overflow = (await bob.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    assert.ok(overflow <= 0, `the phone page scrolls sideways by ${overflow}px`);
    await bob.screenshot({ path: `${SHOTS}/06-miner-phone.png`, fullPage: true });

    // sessionStorage is per tab: a new tab starts logged out.
    const other = await alice.context().newPage();
    await other.goto(H.url);
    await other.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(await other.getByTestId('balance').count(), 0);
    await other.close();

    // ---- a reload keeps the session; logging out forgets the token ----
    await alice.reload();
    await alice.getByTestId('balance').filter({ hasText: '₹3,974.85' }).waitFor();
    await alice.getByRole('button', { name: 'Log out' }).click();
    await alice.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.equal(await alice.evaluate(`sessionStorage.getItem('idxchain.token')`), null);

    assert.deepEqual(H.problems, []);
  });
});
