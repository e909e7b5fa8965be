// A small uPlot chart of the user's hash rate (left axis) and blocks won (right axis) over time.
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';

const html = htm.bind(h);

export function MiningChart({ points }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    plot.current = new uPlot(
      {
        width: width(),
        height: 180,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        series: [
          {},
          { label: 'Hash rate (H/s)', stroke: '#1d5fa8', width: 2, scale: 'rate', value: (_u, v) => (v == null ? '—' : `${Math.round(v)}`) },
          { label: 'Blocks won', stroke: '#b3541e', width: 2, scale: 'blocks', paths: uPlot.paths.stepped({ align: 1 }) },
        ],
        axes: [
          { stroke: '#4a5560' },
          { scale: 'rate', stroke: '#1d5fa8', size: 56, values: (_u, ticks) => ticks.map(short) },
          { scale: 'blocks', side: 1, stroke: '#b3541e', grid: { show: false }, size: 40, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
        ],
        scales: { x: { time: true, range: (_u, min, max) => (min == null ? [Date.now() / 1000 - 60, Date.now() / 1000] : [Math.min(min, max - 60), max]) }, rate: { range: (_u, _min, max) => [0, Math.max(10, max * 1.15)] }, blocks: { range: (_u, _min, max) => [0, Math.max(2, Math.ceil(max + 1))] } },
      },
      [[], [], []],
      el,
    );
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: width(), height: 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([points.map((p) => p.t), points.map((p) => p.rate), points.map((p) => p.won)]);
  }, [points]);

  return html`<figure class="chart" data-points=${points.length}>
    <div ref=${box} role="img" aria-label="Chart of your hash rate and blocks won over the last minutes"></div>
    <figcaption class="hint">Your hash rate and blocks won while this page is open (last 10 minutes).</figcaption>
  </figure>`;
}

function short(n) {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}
