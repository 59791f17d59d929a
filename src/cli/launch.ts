#!/usr/bin/env node
// The `tsbpf` executable: runs the command's bundle (dist/cli/commands/<command>.cjs, made from
// main.ts by scripts/bundle-cli.mjs) through V8's code cache, or the dispatcher-only bundle
// (tsbpf.cjs) for help and words that are no command. Kept to Node built-ins: nothing here is
// worth a module of its own to load.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBundle } from './code-cache.js';

const args = process.argv.slice(2);
const command = (args[0] === '--timing' ? args[1] : args[0]) ?? '';
const own = /^[a-z][a-z-]{0,19}$/.test(command) ? `./commands/${command}.cjs` : undefined;
const bundle = (name: string) => fileURLToPath(new URL(name, import.meta.url));
runBundle(own !== undefined && existsSync(bundle(own)) ? bundle(own) : bundle('./tsbpf.cjs'), command);
