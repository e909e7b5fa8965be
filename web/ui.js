// Small pieces shared by the dashboard's views: short ids, plurals, relative times, a message,
// a form field with its hint and error, a statistic and a card.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

export const short = (s) => (s && s.length > 18 ? `${s.slice(0, 10)}…${s.slice(-4)}` : s);
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function ago(iso, now) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

export function Message({ id, text, kind = 'error' }) {
  if (!text) return null;
  return kind === 'error' ? html`<p class="error" id=${id} role="alert">${text}</p>` : html`<p class="ok" id=${id} role="status">${text}</p>`;
}

export function Field({ id, label, value, onInput, error, hint, ...rest }) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-err` : null].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <input id=${id} name=${id} value=${value} onInput=${(e) => onInput(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : 'false'} aria-describedby=${described} ...${rest} />
    ${hint ? html`<p class="hint" id=${`${id}-hint`} aria-live="polite">${hint}</p>` : null}
    <${Message} id=${`${id}-err`} text=${error} />
  </div>`;
}

export function Stat({ label, children, testid, tone }) {
  return html`<div class=${tone ? `stat ${tone}` : 'stat'}><dt>${label}</dt><dd data-testid=${testid}>${children}</dd></div>`;
}

export function Card({ id, title, extra, children, className = '', ...rest }) {
  return html`<section class=${`card ${className}`} aria-labelledby=${`${id}-h`} id=${id} ...${rest}>
    <div class="card-head"><h2 id=${`${id}-h`} tabindex="-1">${title}</h2>${extra ?? null}</div>
    ${children}
  </section>`;
}
