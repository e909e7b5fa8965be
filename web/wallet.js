// The user's side: register and log in, then the wallet (balance, pay with the fee shown first,
// the payment tracked until confirmed, their payments) and their mining with its chart.
import { useState } from 'preact/hooks';
import { api, feeFor, placeError, rateText, rupees } from './api.js';
import { MiningChart } from './chart.js';
import { Card, Field, html, Message, short, Stat } from './ui.js';

const BANKS = ['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK', 'PNB'];

export function Auth({ onLogin, notice }) {
  const [reg, setReg] = useState({ pan_card: '', rbi_number: '', full_name: '', initial_balance: '' });
  const [log, setLog] = useState({ pan_card: '', rbi_number: '', bank_name: 'SBI' });
  const [regErr, setRegErr] = useState({});
  const [logErr, setLogErr] = useState({});
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  const register = async (e) => {
    e.preventDefault();
    setRegErr({});
    setDone(null);
    setBusy(true);
    try {
      const r = await api('POST', '/api/auth/register', { ...reg, pan_card: reg.pan_card.trim() });
      setDone(`Registered ${r.user.user_idx}. Now log in.`);
      setLog({ ...log, pan_card: reg.pan_card.trim(), rbi_number: reg.rbi_number });
      setReg({ pan_card: '', rbi_number: '', full_name: '', initial_balance: '' });
      setTimeout(() => document.getElementById('login-submit')?.focus(), 0);
    } catch (err) {
      setRegErr(placeError(err, ['pan_card', 'rbi_number', 'full_name', 'initial_balance']));
    } finally {
      setBusy(false);
    }
  };
  const login = async (e) => {
    e.preventDefault();
    setLogErr({});
    setBusy(true);
    try {
      const r = await api('POST', '/api/auth/login', { ...log, pan_card: log.pan_card.trim() });
      onLogin(r.token);
    } catch (err) {
      setLogErr(placeError(err, ['pan_card', 'rbi_number', 'bank_name']));
      setBusy(false);
    }
  };
  const set = (state, setState, key, upper = false) => (v) => setState({ ...state, [key]: upper ? v.toUpperCase() : v });
  return html`<${Card} id="account" title="Your wallet">
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <div class="two">
      <form onSubmit=${login} aria-labelledby="login-h" novalidate>
        <h3 id="login-h">Log in</h3>
        <${Message} id="reg-done" text=${done} kind="ok" />
        <${Field} id="login-pan" label="PAN" value=${log.pan_card} onInput=${set(log, setLog, 'pan_card', true)} error=${logErr.pan_card} autocomplete="username" autocapitalize="characters" spellcheck="false" />
        <${Field} id="login-rbi" label="RBI number" type="password" value=${log.rbi_number} onInput=${set(log, setLog, 'rbi_number')} error=${logErr.rbi_number} autocomplete="current-password" />
        <div class="field">
          <label for="login-bank">Bank</label>
          <select id="login-bank" value=${log.bank_name} onChange=${(e) => setLog({ ...log, bank_name: e.currentTarget.value })}
            aria-invalid=${logErr.bank_name ? 'true' : 'false'} aria-describedby=${logErr.bank_name ? 'login-bank-err' : undefined}>
            ${BANKS.map((b) => html`<option value=${b}>${b}</option>`)}
          </select>
          <${Message} id="login-bank-err" text=${logErr.bank_name} />
        </div>
        <div class="actions"><button type="submit" id="login-submit" disabled=${busy}>Log in</button><${Message} id="login-err" text=${logErr.form} /></div>
      </form>
      <form onSubmit=${register} aria-labelledby="reg-h" novalidate>
        <h3 id="reg-h">Register</h3>
        <${Field} id="reg-pan" label="PAN" value=${reg.pan_card} onInput=${set(reg, setReg, 'pan_card', true)} error=${regErr.pan_card} hint="Five letters, four digits, one letter: ABCDE1234F" autocomplete="off" autocapitalize="characters" spellcheck="false" />
        <${Field} id="reg-rbi" label="RBI number (your secret)" type="password" value=${reg.rbi_number} onInput=${set(reg, setReg, 'rbi_number')} error=${regErr.rbi_number} autocomplete="new-password" />
        <${Field} id="reg-name" label="Full name" value=${reg.full_name} onInput=${set(reg, setReg, 'full_name')} error=${regErr.full_name} autocomplete="name" />
        <${Field} id="reg-balance" label="Initial balance (₹)" value=${reg.initial_balance} onInput=${set(reg, setReg, 'initial_balance')} error=${regErr.initial_balance} inputmode="decimal" autocomplete="off" />
        <div class="actions"><button type="submit" disabled=${busy}>Register</button><${Message} id="reg-err" text=${regErr.form} /></div>
      </form>
    </div>
  <//>`;
}

export function Wallet({ token, me, live, points, onLogout, onMining }) {
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [payErr, setPayErr] = useState({});
  const [mineErr, setMineErr] = useState(null);
  const [sent, setSent] = useState(null);
  const [busy, setBusy] = useState(false);
  const fee = feeFor(amount);

  const pay = async (e) => {
    e.preventDefault();
    setPayErr({});
    setSent(null);
    setBusy(true);
    try {
      const r = await api('POST', '/api/transactions', { receiver_idx: to.trim(), amount: amount.trim() }, token);
      setSent(r.transaction);
      setAmount('');
    } catch (err) {
      setPayErr(placeError(err, ['receiver_idx', 'amount']));
    } finally {
      setBusy(false);
    }
  };
  const mining = async (action) => {
    setMineErr(null);
    setBusy(true);
    try {
      const r = await api('POST', `/api/mining/${action}`, undefined, token);
      onMining(action === 'start', r.final_stats);
    } catch (err) {
      setMineErr(placeError(err, []).form);
    } finally {
      setBusy(false);
    }
  };

  if (!me) return html`<${Card} id="account" title="Your wallet"><p class="muted">Loading your account…</p><//>`;
  const m = me.mining;
  const active = live?.is_active ?? m.is_active;
  const rate = active ? (live?.hash_rate_per_second ?? m.hash_rate_per_second) : '0';
  // The payment just sent, as the ledger now reports it: pending, then confirmed.
  const tracked = sent ? (me.recent_transactions.find((t) => t.tx_id === sent.tx_id) ?? sent) : null;
  const feeHint = fee ? `Fee ₹${fee.fee} (1.5%); ₹${fee.total} will be held until the payment is confirmed.` : 'A 1.5% fee is added to the amount.';

  return html`<${Card} id="account" title=${me.full_name} extra=${html`<button class="small" onClick=${onLogout}>Log out</button>`}>
    <p class="idx"><span class="muted">Your user_idx </span><span class="mono" data-testid="my-idx">${me.user_idx}</span></p>
    <dl class="stats">
      <${Stat} label="Balance" testid="balance">${rupees(me.balance)}<//>
      <${Stat} label="Held by pending payments" testid="held">${rupees(me.held)}<//>
    </dl>

    <form onSubmit=${pay} aria-labelledby="pay-h" novalidate class="pay">
      <h3 id="pay-h">Pay someone</h3>
      <${Field} id="pay-to" label="Receiver (user_idx)" value=${to} onInput=${setTo} error=${payErr.receiver_idx} placeholder="IDX_…" autocomplete="off" spellcheck="false" />
      <${Field} id="pay-amount" label="Amount (₹)" value=${amount} onInput=${setAmount} error=${payErr.amount} hint=${feeHint} inputmode="decimal" autocomplete="off" />
      <div class="actions"><button type="submit" disabled=${busy}>Pay</button><${Message} id="pay-err" text=${payErr.form} /></div>
      ${tracked
        ? html`<p class=${tracked.status === 'confirmed' ? 'ok' : 'pending-note'} role="status" data-testid="pay-status">Payment <span class="mono">${short(tracked.tx_id)}</span> of ${rupees(tracked.amount)}: ${tracked.status === 'confirmed' ? `confirmed in block ${tracked.block_height}.` : 'pending, waiting for a block…'}</p>`
        : null}
    </form>

    <h3>Your payments</h3>
    ${me.recent_transactions.length === 0 ? html`<p class="muted">No payments yet.</p>` : html`<div class="table-wrap"><table data-testid="my-payments">
      <thead><tr><th scope="col" class="wide-only">Payment</th><th scope="col">With</th><th scope="col" class="num">Amount</th><th scope="col">Status</th></tr></thead>
      <tbody>${me.recent_transactions.map((t) => {
        const out = t.sender_idx === me.user_idx;
        return html`<tr key=${t.tx_id}>
          <td class="mono wide-only" title=${t.tx_id}>${short(t.tx_id)}</td>
          <td class="mono" title=${out ? t.receiver_idx : t.sender_idx}>${out ? 'to ' : 'from '}${short(out ? t.receiver_idx : t.sender_idx)}</td>
          <td class="num">${out ? '−' : '+'}${rupees(t.amount)}${out ? html`<br /><span class="hint">fee ${rupees(t.fee_total)}</span>` : null}</td>
          <td><span class=${`chip ${t.status}`} data-testid="tx-status">${t.status}${t.block_height ? ` · #${t.block_height}` : ''}</span></td>
        </tr>`;
      })}</tbody>
    </table></div>`}

    <h3>Mining</h3>
    <div class="actions">
      ${active
        ? html`<button onClick=${() => mining('stop')} disabled=${busy}>Stop mining</button>`
        : html`<button onClick=${() => mining('start')} disabled=${busy}>Start mining</button>`}
      <${Message} id="mine-err" text=${mineErr} />
    </div>
    <dl class="stats" data-testid="my-mining">
      <${Stat} label="Mining" testid="mining-active" tone=${active ? 'good' : ''}>${active ? 'yes' : 'no'}<//>
      <${Stat} label="Hash rate" testid="my-rate">${rateText(rate)}<//>
      <${Stat} label="Blocks won" testid="blocks-won">${m.blocks_won}<//>
      <${Stat} label="Blocks lost" testid="blocks-lost">${m.blocks_lost}<//>
      <${Stat} label="Win rate">${m.win_rate}%<//>
      <${Stat} label="Fees earned" testid="fees-earned">${rupees(m.total_fees_earned)}<//>
    </dl>
    <${MiningChart} points=${points} />
  <//>`;
}
