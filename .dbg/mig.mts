import { startTcpProxy } from '/tmp/wt-pg/test/helpers/tcp-proxy.ts';
import { createPostgresStore } from '/tmp/wt-pg/test/helpers/stores.ts';
import { openStore, migrate } from '/tmp/wt-pg/src/infra/db/database.ts';
const s = await createPostgresStore();
const p = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
const st = await openStore({ kind: 'postgres', url: p.via(s.url!) });
try { await migrate(st.db); console.log('ok'); } catch (e) { console.log('fail', e); }
await st.close(); await p.close(); await s.drop();
