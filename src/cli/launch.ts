#!/usr/bin/env node
// The `tsbpf` executable: runs the command-line bundle (dist/cli/tsbpf.cjs, made from main.ts by
// scripts/bundle-cli.mjs) through V8's code cache. Kept to Node built-ins: nothing here is worth
// a module of its own to load.
import { fileURLToPath } from 'node:url';
import { runBundle } from './code-cache.js';

const args = process.argv.slice(2);
const command = (args[0] === '--timing' ? args[1] : args[0]) ?? '';
runBundle(fileURLToPath(new URL('./tsbpf.cjs', import.meta.url)), command);
