import { PGlite } from '@electric-sql/pglite';
export const stats = new Map<string, { n: number; us: number }>();
const orig = (PGlite.prototype as any).execProtocolStream;
(PGlite.prototype as any).execProtocolStream = async function (this: unknown, msg: Uint8Array, ...rest: unknown[]) {
  const t = performance.now();
  try { return await orig.call(this, msg, ...rest); } finally {
    const txt = Buffer.from(msg.subarray(5, 200)).toString('latin1');
    const k = (msg[0] === 0x50 ? txt.slice(txt.indexOf('\0') + 1) : txt).split('\0')[0]!.replace(/\s+/g, ' ').slice(0, 70);
    const s = stats.get(k) ?? { n: 0, us: 0 }; s.n++; s.us += (performance.now() - t) * 1000; stats.set(k, s);
  }
};
export function dump() { for (const [k, v] of [...stats].sort((a, b) => b[1].us - a[1].us).slice(0, 20)) console.log(String(v.n).padStart(6), String(Math.round(v.us / v.n)).padStart(6), 'us', k); }
