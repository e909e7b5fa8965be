// What everyone sees: the pool at a glance, the latest blocks, the block explorer, the leaderboard
// and the banks' fee income.
import { useState } from 'preact/hooks';
import { rateText, rupees } from './api.js';
import { ago, Card, Field, html, plural, short, Stat } from './ui.js';

export function PoolStrip({ pool, chain }) {
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

export function Blocks({ blocks, fresh, onOpen, now }) {
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

export function Explorer({ block, error, onOpen, onClose, tip }) {
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

export function Leaderboard({ board, sort, setSort, me }) {
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

export function Banks({ banks }) {
  return html`<${Card} id="banks" title="Banks' fee income">
    <div class="table-wrap"><table data-testid="banks">
      <thead><tr><th scope="col">Bank</th><th scope="col">Name</th><th scope="col" class="num">Fee income</th></tr></thead>
      <tbody>${banks.map((b) => html`<tr key=${b.code}><td><strong>${b.code}</strong></td><td>${b.name}</td><td class="num">${rupees(b.balance)}</td></tr>`)}</tbody>
    </table></div>
  <//>`;
}
