import { startTcpProxy } from '/tmp/wt-pg/test/helpers/tcp-proxy.ts';
import { spawn } from 'node:child_process';
const p = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/server.ts'], { env: { ...process.env, PORT: '5099', DATA_DIR: '/tmp/idxdbg', DATABASE_URL: p.via('postgres://postgres@127.0.0.1:5432/postgres'), LOG_LEVEL: 'info', SCRYPT_COST: '1024', MINING_THREADS: '1' }, stdio: 'inherit' });
await new Promise((r) => setTimeout(r, 6000));
console.log(await (await fetch('http://127.0.0.1:5099/health/ready')).text());
proc.kill('SIGTERM');
await p.close();
