// `idxchain mine` hashing thread bootstrap: registers the TypeScript loader
// inside the thread (a loader registered in the main thread does not reach
// workers on Node 20), then runs the share-hunting loop.
import { register } from 'tsx/esm/api';

register();
await import('./mine-worker.ts');
