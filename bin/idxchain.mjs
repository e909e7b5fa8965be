#!/usr/bin/env node
// The `idxchain` command line: loads the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/idxchain.ts');
