/**
 * The stream's plumbing for GET /api/events: one open connection as the rest of
 * the stream sees it, the event frame format, and refreshes that coalesce.
 */

export interface Client {
  readonly ip: string;
  readonly userIdx: string | null;
  readonly token: string | null;
  write(chunk: string): void;
  end(): void;
  meLoading: boolean;
  meAgain: boolean;
  meAt: number;
  wasMining: boolean;
}

export const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** NUMERIC(15,2) text as two decimals. */
export function money(text: string): string {
  return /^\d+\.\d\d$/.test(text) ? text : Number(text).toFixed(2);
}

/** Runs `fn` at most once at a time; calls while it runs make it run once more after. */
export function coalesce(fn: () => Promise<void>, minGapMs = 0): () => Promise<void> {
  let current: Promise<void> | null = null;
  let again = false;
  let last = 0;
  return () => {
    if (current) {
      again = true;
      return current;
    }
    current = (async () => {
      do {
        again = false;
        const wait = last + minGapMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
        last = Date.now();
        await fn();
      } while (again);
    })().finally(() => {
      current = null;
    });
    return current;
  };
}
