/**
 * The dashboard: `/` (web/index.html), its modules and styles under `/app/`
 * (the .js and .css files in web/), and exactly the browser modules it imports
 * from node_modules under `/vendor/` (no build step, no CDN). Files are sent by
 * @fastify/static (ETag, Last-Modified, HEAD); the page itself is held in memory
 * with a strict Content Security Policy: scripts from this origin, plus the
 * hash of its inline import map, and nothing else inline or foreign.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { projectRoot } from '../../infra/root.ts';

const ROOT = projectRoot(import.meta.url);
const WEB = path.join(ROOT, 'web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The only files taken from node_modules: Preact, its hooks, htm and uPlot. */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.module.js'],
  'uPlot.esm.js': ['uplot', 'dist/uPlot.esm.js'],
  'uPlot.min.css': ['uplot', 'dist/uPlot.min.css'],
};

/** The page's policy: the inline import map is allowed by its hash, nothing else inline or foreign. */
export function contentSecurityPolicy(html: string): string {
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  const importMap = m ? ` 'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${importMap}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export const webRoutes: FastifyPluginAsync = async (app) => {
  // sendFile only: every URL below is declared explicitly.
  await app.register(fastifyStatic, { serve: false, root: WEB });
  const html = readFileSync(path.join(WEB, 'index.html'));
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 22)}"`;
  const csp = contentSecurityPolicy(html.toString('utf8'));
  app.get('/', { schema: { hide: true }, logLevel: 'warn' }, async (req, reply) => {
    reply
      .header('etag', etag)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.header('content-type', TYPES['.html']!).send(html);
  });

  const serve = (url: string, root: string, file: string, vendor: boolean) => {
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    app.get(url, { schema: { hide: true }, logLevel: 'warn' }, (_req, reply) => {
      reply.header('x-content-type-options', 'nosniff').header('content-type', type);
      // Our own files are revalidated on every load; vendor files change only with an install.
      return vendor ? reply.sendFile(file, root, { maxAge: 86_400_000 }) : reply.header('cache-control', 'no-cache').sendFile(file, root, { cacheControl: false });
    });
  };
  for (const f of readdirSync(WEB)) if (/^[\w-]+\.(js|css)$/.test(f)) serve(`/app/${f}`, WEB, f, false);
  for (const [name, [pkg, file]] of Object.entries(VENDOR)) serve(`/vendor/${name}`, path.join(ROOT, 'node_modules', pkg), file, true);
};
