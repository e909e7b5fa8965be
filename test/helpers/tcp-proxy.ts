/**
 * A TCP proxy in front of PostgreSQL that a test can cut, to take the
 * database away from a running server and give it back.
 *
 * - `cut('reset')`: PostgreSQL is gone: every live connection is reset and new
 *   ones are refused (the proxy stops listening).
 * - `cut('hang')`: a network partition: connections stay open but nothing
 *   crosses in either direction (the bytes wait in the socket buffers); new
 *   connections are accepted and never reach the server. A client that gives up
 *   meanwhile closes only its own side: the server's session stays open (the
 *   server learns nothing during a partition), as it would in reality.
 * - `restore()`: the partition heals (waiting bytes flow on) or the server is
 *   back (the proxy listens again on the same port).
 * - `cutWhen(pattern, mode)`: cuts the moment the client sends a message
 *   matching `pattern`, before forwarding it (e.g. a statement in the middle of
 *   a transaction), so a test can cut exactly while a given piece of work is in flight.
 */
import net from 'node:net';

export type CutMode = 'reset' | 'hang';

interface Pair {
  readonly client: net.Socket;
  upstream: net.Socket | null; // null: accepted during a hang, not yet connected
  clientGone: boolean;
}

export interface TcpProxy {
  readonly port: number;
  /** The state now: 'open', or the mode of the cut. */
  readonly state: 'open' | CutMode;
  /** Connections accepted so far (a client that reconnects makes more). */
  readonly accepted: number;
  /** `url` with its host and port pointed at the proxy. */
  via(url: string): string;
  cut(mode: CutMode): Promise<void>;
  /** Resolves once a client message matches and the cut is made. */
  cutWhen(pattern: RegExp, mode: CutMode): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const zombies = new Set<net.Socket>(); // server sides whose client left during a hang
  let state: 'open' | CutMode = 'open';
  let accepted = 0;
  let trigger: { pattern: RegExp; mode: CutMode; fire: () => void } | null = null;

  const connectUpstream = (p: Pair) => {
    const up = net.connect(target.port, target.host);
    p.upstream = up;
    up.on('error', () => {});
    up.on('data', (d: Buffer) => {
      if (!p.client.destroyed) p.client.write(d);
    });
    up.on('close', () => {
      if (state !== 'hang') {
        p.client.destroy();
        pairs.delete(p);
      }
    });
    p.client.resume();
  };

  const onClientData = (p: Pair, d: Buffer) => {
    if (trigger && trigger.pattern.test(d.toString('latin1'))) {
      const t = trigger;
      trigger = null;
      void cut(t.mode).then(t.fire);
      if (t.mode === 'hang') p.client.unshift(d); // delivered if the partition heals
      return; // a reset drops it with the connection
    }
    p.upstream?.write(d);
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    accepted++;
    const p: Pair = { client, upstream: null, clientGone: false };
    pairs.add(p);
    client.on('error', () => {});
    client.on('data', (d: Buffer) => onClientData(p, d));
    client.on('close', () => {
      p.clientGone = true;
      if (state === 'hang') {
        if (p.upstream) zombies.add(p.upstream); // the server does not hear of it
      } else {
        p.upstream?.destroy();
      }
      pairs.delete(p);
    });
    if (state === 'open') connectUpstream(p);
    // during a hang: accepted, paused, never connected until restore()
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const cut = async (mode: CutMode): Promise<void> => {
    if (state !== 'open') throw new Error(`already cut (${state})`);
    state = mode;
    if (mode === 'reset') {
      server.close(); // refuse new connections
      for (const p of pairs) {
        p.client.resetAndDestroy();
        p.upstream?.destroy();
      }
      pairs.clear();
    } else {
      for (const p of pairs) {
        p.client.pause();
        p.upstream?.pause();
      }
    }
  };

  return {
    port,
    get state() {
      return state;
    },
    get accepted() {
      return accepted;
    },
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut,
    cutWhen(pattern, mode) {
      return new Promise<void>((fire) => {
        trigger = { pattern, mode, fire };
      });
    },
    async restore() {
      const was = state;
      state = 'open';
      if (was === 'reset') {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
      } else if (was === 'hang') {
        for (const p of [...pairs]) {
          if (p.upstream === null) connectUpstream(p);
          else {
            p.upstream.resume();
            p.client.resume();
          }
        }
      }
    },
    async close() {
      trigger = null;
      state = 'open';
      for (const p of pairs) {
        p.client.destroy();
        p.upstream?.destroy();
      }
      for (const z of zombies) z.destroy();
      pairs.clear();
      zombies.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
