// One benchmark thread: registers the TypeScript loader, measures, reports.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { measure } = await import('./hash.ts');
parentPort.postMessage(measure(workerData.name, workerData.seconds));
