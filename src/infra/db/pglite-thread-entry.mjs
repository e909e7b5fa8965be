// Database thread bootstrap: registers the TypeScript loader inside the
// thread (a loader registered by `node --import tsx` in the main thread does
// not reach workers on Node 20), then opens the embedded database.
import { register } from 'tsx/esm/api';

register();
await import('./pglite-thread.ts');
