/**
 * The browser harness: a real server on a free port (createLedger, test settings) and Debian's
 * chromium driven by playwright-core. Records page errors and Content Security Policy
 * violations, and can cut every open connection to the server (to test the polling fallback).
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLedger, type TestLedger } from '../helpers/ledger.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = 'test-output/screenshots';
export const browserAvailable = existsSync(CHROMIUM);

export interface Harness {
  readonly ledger: TestLedger;
  readonly url: string;
  readonly browser: Browser;
  /** Page errors and CSP violations seen so far, on every page. */
  readonly problems: string[];
  page(viewport: { width: number; height: number }): Promise<Page>;
  /** Destroys every open connection to the server (streams, keep-alive sockets). */
  dropConnections(): number;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string>): Promise<Harness> {
  const ledger = await startLedger('pglite', { env });
  const sockets = new Set<Socket>();
  ledger.app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await ledger.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(ledger.app.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  mkdirSync(SHOTS, { recursive: true });
  const problems: string[] = [];
  return {
    ledger,
    url,
    browser,
    problems,
    async page(viewport) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (/Content Security Policy|Uncaught|is not defined|Failed to resolve module/i.test(m.text())) problems.push(`console: ${m.text()}`);
      });
      return page;
    },
    dropConnections() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      return n;
    },
    async close() {
      await browser.close().catch(() => {});
      await ledger.stop();
    },
  };
}
