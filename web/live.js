// Live updates: Server-Sent Events from /api/events, and polling while the stream is down.
//
// The browser's EventSource reconnects by itself after a network error; after an HTTP error it
// gives up, so we reopen it ourselves with a growing delay. A stream that goes silent (no event
// for 10 s, while the server sends `pool` every second) is treated as dropped. Whenever the
// stream is not open, `poll()` runs every POLL_MS; it stops as soon as the stream is back.

export const POLL_MS = 5000;
const SILENT_MS = 10_000;

/**
 * Opens the stream (with `?token=` for a logged-in user: EventSource cannot send headers) and calls
 * handlers[event](data) for each event. onState('connecting' | 'live' | 'polling'). Returns a stop function.
 */
export function connectLive({ token, handlers, onState, poll }) {
  const url = `/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  let es = null;
  let pollTimer = null;
  let reopenTimer = null;
  let backoff = 1000;
  let lastEvent = Date.now();
  let stopped = false;

  const runPoll = () => {
    Promise.resolve(poll()).catch(() => {});
  };
  const startPolling = () => {
    if (stopped || pollTimer) return;
    onState('polling');
    runPoll();
    pollTimer = setInterval(runPoll, POLL_MS);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = null;
  };
  const reopenLater = () => {
    es?.close();
    es = null;
    clearTimeout(reopenTimer);
    reopenTimer = setTimeout(open, backoff);
    backoff = Math.min(backoff * 2, 15_000);
  };
  function open() {
    if (stopped) return;
    if (!pollTimer) onState('connecting');
    lastEvent = Date.now();
    const source = new EventSource(url);
    es = source;
    source.onopen = () => {
      backoff = 1000;
      lastEvent = Date.now();
      stopPolling();
      onState('live');
    };
    source.onerror = () => {
      if (source !== es) return;
      startPolling();
      if (source.readyState === EventSource.CLOSED) reopenLater();
    };
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (e) => {
        lastEvent = Date.now();
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        fn(data);
      });
    }
  }
  const watchdog = setInterval(() => {
    if (es && es.readyState === EventSource.OPEN && Date.now() - lastEvent > SILENT_MS) {
      startPolling();
      reopenLater();
    }
  }, 2000);
  open();
  return () => {
    stopped = true;
    es?.close();
    es = null;
    stopPolling();
    clearTimeout(reopenTimer);
    clearInterval(watchdog);
  };
}
