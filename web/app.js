// The idxchain dashboard: the pool at a glance, blocks arriving live, a block explorer, the
// leaderboard and the banks' fee income for everyone; register, log in, pay and mine for a user.
// Preact + htm as native modules (no build step); this module holds the page's state, live data
// comes from live.js, the views from public.js and wallet.js, their small pieces from ui.js.
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, placeError } from './api.js';
import { connectLive } from './live.js';
import { Banks, Blocks, Explorer, Leaderboard, PoolStrip } from './public.js';
import { html } from './ui.js';
import { Auth, Wallet } from './wallet.js';

const TOKEN_KEY = 'idxchain.token';
const CHART_POINTS = 600;

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
