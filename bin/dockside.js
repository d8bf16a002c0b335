#!/usr/bin/env -S node --max-semi-space-size=32
// The semi-space flag: README.md, "Running it for real".
// Runs the TypeScript sources directly through tsx: there is no build step to forget.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
// Every command closes what it opened; exiting explicitly keeps a handle some library forgot to release from
// holding a finished process (a stopped gateway must exit 0 for its supervisor). Standard output and error
// are synchronous on Linux for files, pipes and terminals, so nothing written is lost.
process.exit(await main(process.argv));
