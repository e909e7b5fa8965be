// The idxchain dashboard: the pool at a glance, blocks arriving live, a block explorer, the
// leaderboard and the banks' fee income for everyone; register, log in, pay and mine for a user.
// Preact + htm as native modules (no build step); live data from live.js.
import { h, render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api, feeFor, placeError, rateText, rupees } from './api.js';
import { connectLive } from './live.js';
import { MiningChart } from './chart.js';

const html = htm.bind(h);
const TOKEN_KEY = 'idxchain.token';
const BANKS = ['SBI', 'HDFC', 'ICICI', 'AXIS', 'KOTAK', 'PNB'];
const CHART_POINTS = 600;

const short = (s) => (s && s.length > 18 ? `${s.slice(0, 10)}…${s.slice(-4)}` : s);
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function ago(iso, now) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

// ---------- small pieces ----------

function Message({ id, text, kind = 'error' }) {
  if (!text) return null;
  return kind === 'error' ? html`<p class="error" id=${id} role="alert">${text}</p>` : html`<p class="ok" id=${id} role="status">${text}</p>`;
}

function Field({ id, label, value, onInput, error, hint, ...rest }) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-err` : null].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${id} value=${value} onInput=${(e) => onInput(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described} ...${rest} />
    ${hint ? html`<p class="hint" id=${`${id}-hint`} aria-live="polite">${hint}</p>` : null}
    <${Message} id=${`${id}-err`} text=${error} />
  </div>`;
}

function Stat({ label, children, testid, tone }) {
  return html`<div class=${tone ? `stat ${tone}` : 'stat'}><dt>${label}</dt><dd data-testid=${testid}>${children}</dd></div>`;
}

function Card({ id, title, extra, children, className = '', ...rest }) {
  return html`<section class=${`card ${className}`} aria-labelledby=${`${id}-h`} id=${id} ...${rest}>
    <div class="card-head"><h2 id=${`${id}-h`} tabindex="-1">${title}</h2>${extra ?? null}</div>
    ${children}
  </section>`;
}

// ---------- public views ----------

function PoolStrip({ pool, chain }) {
  if (!pool) return html`<section class="card pool" aria-label="Pool"><p class="muted">Connecting to the pool…</p></section>`;
  const chainText = !chain ? 'checking…' : chain.valid ? `valid · height ${chain.height}` : `INVALID at block ${chain.bad_height}: ${chain.reason}`;
  return html`<section class="card pool" aria-labelledby="pool-h">
    <h2 id="pool-h" class="visually-hidden">The pool at a glance</h2>
    <dl class="stats wide">
      <${Stat} label="Pool" testid="pool-running" tone=${pool.is_running ? 'good' : 'bad'}>${pool.is_running ? 'running' : 'stopped'}<//>
      <${Stat} label="Active miners" testid="pool-miners">${pool.active_miners} of ${pool.max_capacity}<//>
      <${Stat} label="Mining height" testid="pool-height">${pool.mining_height == null ? 'idle' : `#${pool.mining_height}${pool.system_miner_active ? ' (system)' : ''}`}<//>
      <${Stat} label="Difficulty">${pool.difficulty} leading zeros<//>
      <${Stat} label="Engine">${pool.engine}${pool.threads ? ` · ${plural(pool.threads, 'thread')}` : ''}<//>
      <${Stat} label="Total hash rate" testid="pool-rate">${rateText(pool.hash_rate_per_second)}<//>
      <${Stat} label="Chain" testid="chain-state" tone=${chain && !chain.valid ? 'bad' : chain ? 'good' : ''}>${chainText}<//>
    </dl>
  </section>`;
}

function Blocks({ blocks, fresh, onOpen, now }) {
  return html`<${Card} id="blocks" title="Latest blocks">
    ${blocks.length === 0 ? html`<p class="muted">No blocks yet: they appear here as they are sealed.</p>` : null}
    <ol class="blocks" data-testid="blocks">
      ${blocks.map(
        (b) => html`<li key=${b.height} class=${fresh.has(b.height) ? 'fresh' : ''}>
          <button class="link" onClick=${() => onOpen(b.height)} aria-label=${`Open block ${b.height}`}>#${b.height}</button>
          <span class="mono">${short(b.hash)}</span>
          <span>${plural(b.tx_count, 'payment')}</span>
          <span class="muted">${b.system_miner ? 'system miner' : html`by <span class="mono">${short(b.miner_idx)}</span>`} · ${ago(b.sealed_at, now)}</span>
        </li>`,
      )}
    </ol>
  <//>`;
}

function Explorer({ block, error, onOpen, onClose, tip }) {
  const [height, setHeight] = useState('');
  const submit = (e) => {
    e.preventDefault();
    onOpen(height.trim());
  };
  return html`<${Card} id="explorer" title=${block ? `Block #${block.height}` : 'Block explorer'}
      extra=${block ? html`<button class="small" onClick=${onClose}>Close</button>` : null}>
    <form class="inline" onSubmit=${submit} aria-label="Find a block" novalidate>
      <${Field} id="block-height" label="Block height" value=${height} onInput=${setHeight} inputmode="numeric" autocomplete="off" error=${error} />
      <button type="submit">Open</button>
    </form>
    ${block
      ? html`<div data-testid="explorer">
          <nav class="row" aria-label="Neighbouring blocks">
            ${block.height > 1 ? html`<button class="small" onClick=${() => onOpen(block.height - 1)} aria-label=${`Previous block, #${block.height - 1}`}>← #${block.height - 1}</button>` : null}
            ${tip === null || block.height < tip ? html`<button class="small" onClick=${() => onOpen(block.height + 1)} aria-label=${`Next block, #${block.height + 1}`}>#${block.height + 1} →</button>` : null}
          </nav>
          <dl class="kv">
            <dt>Hash</dt><dd class="mono">${block.hash}</dd>
            <dt>Previous</dt><dd class="mono">${block.prev_hash}</dd>
            <dt>Merkle root</dt><dd class="mono">${block.merkle_root}</dd>
            <dt>Miner</dt><dd class="mono">${block.system_miner ? 'system miner (its 0.5% went to the banks)' : block.miner_idx}</dd>
            <dt>Nonce</dt><dd>${block.nonce} (difficulty ${block.difficulty})</dd>
            <dt>Sealed</dt><dd>${new Date(block.sealed_at).toLocaleString()}${block.mining_time_seconds ? ` after ${block.mining_time_seconds} s of mining` : ''}</dd>
            <dt>Fees</dt><dd>miner ${rupees(block.fee_miner)}, banks ${rupees(block.fee_banks)}</dd>
          </dl>
          <h3>Bank verdicts: ${block.approvals} of 6 approved</h3>
          <div class="table-wrap"><table>
            <thead><tr><th scope="col">Bank</th><th scope="col">Verdict</th><th scope="col">Reason</th><th scope="col" class="num">Fee credit</th></tr></thead>
            <tbody>${block.verdicts.map(
              (v) => html`<tr key=${v.bank}><td>${v.bank}</td><td class=${v.approved ? 'good' : 'bad'}>${v.approved ? 'approved' : 'rejected'}</td>
                <td>${v.reason ? `${v.reason}${v.message ? `: ${v.message}` : ''}` : '—'}</td><td class="num">${rupees(v.fee_credit)}</td></tr>`,
            )}</tbody>
          </table></div>
          <h3>${plural(block.transactions.length, 'payment')}</h3>
          <div class="table-wrap"><table>
            <thead><tr><th scope="col" class="wide-only">Payment</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Fee</th></tr></thead>
            <tbody>${block.transactions.map(
              (t) => html`<tr key=${t.tx_id}><td class="mono wide-only" title=${t.tx_id}>${short(t.tx_id)}</td><td class="mono" title=${t.sender_idx}>${short(t.sender_idx)}</td>
                <td class="mono" title=${t.receiver_idx}>${short(t.receiver_idx)}</td><td class="num">${rupees(t.amount)}</td><td class="num">${rupees(t.fee_total)}</td></tr>`,
            )}</tbody>
          </table></div>
        </div>`
      : html`<p class="muted">Open a block from the latest blocks, or enter its height.</p>`}
  <//>`;
}

function Leaderboard({ board, sort, setSort, me }) {
  const rows = board[sort] ?? [];
  return html`<${Card} id="leaderboard" title="Leaderboard"
      extra=${html`<div role="group" aria-label="Sort the leaderboard" class="toggle">
        <button class=${sort === 'blocks' ? 'small on' : 'small'} aria-pressed=${sort === 'blocks'} onClick=${() => setSort('blocks')}>By blocks</button>
        <button class=${sort === 'fees' ? 'small on' : 'small'} aria-pressed=${sort === 'fees'} onClick=${() => setSort('fees')}>By fees</button>
      </div>`}>
    ${rows.length === 0 ? html`<p class="muted" data-testid="leaderboard">No miner has raced yet.</p>` : html`<div class="table-wrap"><table data-testid="leaderboard">
      <caption class="visually-hidden">Top miners by ${sort}</caption>
      <thead><tr><th scope="col">#</th><th scope="col">Miner</th><th scope="col" class="num">Blocks</th><th scope="col" class="num">Fees</th><th scope="col" class="num">Win rate</th></tr></thead>
      <tbody>${rows.map(
        (r) => html`<tr key=${r.user_idx} class=${me && r.user_idx === me ? 'mine' : ''}>
          <td>${r.rank}</td>
          <td><span class="mono" title=${r.user_idx}>${short(r.user_idx)}</span>${me && r.user_idx === me ? html` <span class="badge">you</span>` : null}${r.is_active ? html` <span class="badge ok">mining</span>` : null}</td>
          <td class="num">${r.total_blocks_mined}</td><td class="num">${rupees(r.total_fees_earned)}</td><td class="num">${r.win_rate}%</td>
        </tr>`,
      )}</tbody>
    </table></div>`}
    ${board.total_miners ? html`<p class="hint">${plural(board.total_miners, 'miner')} in all.</p>` : null}
  <//>`;
}

function Banks({ banks }) {
  return html`<${Card} id="banks" title="Banks' fee income">
    <div class="table-wrap"><table data-testid="banks">
      <thead><tr><th scope="col">Bank</th><th scope="col">Name</th><th scope="col" class="num">Fee income</th></tr></thead>
      <tbody>${banks.map((b) => html`<tr key=${b.code}><td><strong>${b.code}</strong></td><td>${b.name}</td><td class="num">${rupees(b.balance)}</td></tr>`)}</tbody>
    </table></div>
  <//>`;
}

// ---------- the user's side ----------

function Auth({ onLogin, notice }) {
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

function Wallet({ token, me, live, points, onLogout, onMining }) {
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

// ---------- the page ----------

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY));
  const [conn, setConn] = useState('connecting');
  const [pool, setPool] = useState(null);
  const [chain, setChain] = useState(null);
  const [blocks, setBlocks] = useState([]);
  const [fresh, setFresh] = useState(new Set());
  const [banks, setBanks] = useState([]);
  const [board, setBoard] = useState({ blocks: [], fees: [], total_miners: 0 });
  const [sort, setSort] = useState('blocks');
  const [me, setMe] = useState(null);
  const [live, setLive] = useState(null);
  const [points, setPoints] = useState([]);
  const [open, setOpen] = useState(null);
  const [openErr, setOpenErr] = useState(null);
  const [notice, setNotice] = useState(null);
  const [now, setNow] = useState(Date.now());
  const seen = useRef(new Set());
  const meRef = useRef(null);
  meRef.current = me;

  const logout = useCallback((message = null) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setMe(null);
    setLive(null);
    setPoints([]);
    setNotice(message);
  }, []);

  const showBlocks = useCallback((list) => {
    const first = seen.current.size === 0;
    const added = list.filter((b) => !seen.current.has(b.height)).map((b) => b.height);
    for (const hgt of added) seen.current.add(hgt);
    setBlocks(list);
    if (!first && added.length > 0) setFresh(new Set(added));
  }, []);

  const addPoint = useCallback((rate) => {
    const won = meRef.current?.mining.blocks_won ?? 0;
    setPoints((p) => [...p.slice(-(CHART_POINTS - 1)), { t: Date.now() / 1000, rate: Number(rate), won }]);
  }, []);

  // Live updates, and polling while the stream is down.
  useEffect(() => {
    let lastBoard = 0;
    let lastChain = 0;
    let lastSealed = -1;
    let lastTip = -1;
    const poll = async () => {
      const t = Date.now();
      const [p, b, k] = await Promise.all([api('GET', '/api/mining/pool-status'), api('GET', '/api/blocks?limit=10'), api('GET', '/api/banks')]);
      setPool(p.pool);
      showBlocks(b.blocks);
      setBanks(k.banks);
      // The leaderboard and the chain's verification are read less often (rate limits, cost).
      if ((p.pool.blocks_sealed !== lastSealed && t - lastBoard > 15_000) || lastBoard === 0) {
        const [byBlocks, byFees] = await Promise.all([api('GET', '/api/mining/leaderboard?sort_by=blocks&limit=10'), api('GET', '/api/mining/leaderboard?sort_by=fees&limit=10')]);
        setBoard({ blocks: byBlocks.leaderboard, fees: byFees.leaderboard, total_miners: byBlocks.total_miners });
        lastBoard = t;
        lastSealed = p.pool.blocks_sealed;
      }
      // The chain is re-verified when it grew (at most every 10 s) and every 30 s.
      const tipHeight = b.blocks[0]?.height ?? 0;
      if (t - lastChain > 30_000 || (tipHeight !== lastTip && t - lastChain > 10_000)) {
        setChain(await api('GET', '/api/chain/verify'));
        lastChain = t;
        lastTip = tipHeight;
      }
      if (token) {
        try {
          const [u, s] = await Promise.all([api('GET', '/api/users/me', undefined, token), api('GET', '/api/mining/stats', undefined, token)]);
          setMe({ ...u.user, mining: s.stats });
          setLive({ is_active: s.stats.is_active, hash_rate_per_second: s.stats.hash_rate_per_second });
          addPoint(s.stats.is_active ? s.stats.hash_rate_per_second : 0);
        } catch (err) {
          if (err.status === 401) logout('Your session has expired; log in again.');
        }
      }
    };
    return connectLive({
      token,
      onState: setConn,
      poll,
      handlers: {
        pool: setPool,
        blocks: (d) => showBlocks(d.blocks),
        banks: (d) => setBanks(d.banks),
        board: setBoard,
        chain: setChain,
        me: setMe,
        mining: (d) => {
          setLive(d);
          addPoint(d.hash_rate_per_second);
        },
        expired: () => logout('Your session has expired; log in again.'),
      },
    });
  }, [token, logout, showBlocks, addPoint]);

  // Relative times ("12 s ago") tick along.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);

  const openBlock = async (height) => {
    setOpenErr(null);
    if (height === '') {
      setOpenErr('Enter a block height.');
      return;
    }
    try {
      setOpen((await api('GET', `/api/blocks/${encodeURIComponent(height)}`)).block);
      document.getElementById('explorer-h')?.focus();
    } catch (err) {
      setOpenErr(placeError(err, ['height']).height ?? placeError(err, []).form);
    }
  };
  const onLogin = (t) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    setNotice(null);
    setToken(t);
  };
  const onMining = (started, finalStats) => {
    setLive((l) => ({ hash_rate_per_second: '0', ...l, is_active: started }));
    if (finalStats) setMe((m) => (m ? { ...m, mining: { ...m.mining, ...finalStats, is_active: false } } : m));
  };
  const tip = blocks.length > 0 ? blocks[0].height : null;

  return html`<a class="skip" href="#account">Skip to your wallet</a>
    <header class="top">
      <div>
        <h1>idxchain</h1>
        <p class="muted">Six banks, one ledger, a pool of miners racing for every block.</p>
      </div>
      <p class=${`conn ${conn}`} role="status" data-testid="conn">
        ${conn === 'live' ? 'Live' : conn === 'polling' ? 'Reconnecting… (updating every 5 s)' : 'Connecting…'}
      </p>
    </header>
    <main>
      <${PoolStrip} pool=${pool} chain=${chain} />
      <div class="columns">
        <div class="col">
          ${token
            ? html`<${Wallet} token=${token} me=${me} live=${live} points=${points} onLogout=${() => logout(null)} onMining=${onMining} />`
            : html`<${Auth} onLogin=${onLogin} notice=${notice} />`}
          <${Explorer} block=${open} error=${openErr} onOpen=${openBlock} onClose=${() => setOpen(null)} tip=${tip} />
        </div>
        <div class="col">
          <${Blocks} blocks=${blocks} fresh=${fresh} onOpen=${openBlock} now=${now} />
          <${Leaderboard} board=${board} sort=${sort} setSort=${setSort} me=${me?.user_idx} />
          <${Banks} banks=${banks} />
        </div>
      </div>
    </main>
    <footer class="muted">The API is documented at <a href="/docs">/docs</a>.</footer>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
