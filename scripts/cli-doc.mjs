// Writes docs/cli.md from the commands' own --help texts (after npm run build), so the reference
// cannot drift from the code; test/cli-doc.test.ts checks it is current.
//   node scripts/cli-doc.mjs          rewrite docs/cli.md
//   node scripts/cli-doc.mjs --check  exit 1 if docs/cli.md differs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const cli = new URL('../dist/cli/tsbpf.js', import.meta.url).pathname;
const docPath = new URL('../docs/cli.md', import.meta.url).pathname;
const help = (...args) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

const GROUPS = [
  ['Tracing', ['trace', 'count', 'hist', 'list', 'demo']],
  ['Profiling', ['profile', 'offcpu']],
  ['Exporting metrics', ['serve']],
  ['Programs and objects', ['load', 'show', 'map', 'features', 'btf']],
  ['The instruction set', ['asm', 'disasm', 'run', 'conformance', 'isa-demo', 'playground']],
];

export function cliDoc() {
  const listed = new Set(GROUPS.flatMap(([, cmds]) => cmds));
  const all = [...help('--help').matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
  const missing = all.filter((c) => !listed.has(c));
  if (missing.length > 0) throw new Error(`cli-doc: commands not in a group: ${missing.join(', ')}`);
  const parts = [
    '# The tsbpf command line',
    '',
    'Generated from the commands themselves (`node scripts/cli-doc.mjs`); each section is exactly',
    'what `tsbpf COMMAND --help` prints. Commands that load programs need root (or `CAP_BPF` and',
    '`CAP_PERFMON`). Exit status: 0 success, 1 a failure with one line on stderr saying why,',
    '2 bad usage.',
    '',
    '```text',
    help('--help').trimEnd(),
    '```',
  ];
  for (const [title, cmds] of GROUPS) {
    parts.push('', `## ${title}`);
    for (const c of cmds) parts.push('', `### tsbpf ${c}`, '', '```text', help(c, '--help').trimEnd(), '```');
  }
  return `${parts.join('\n')}\n`;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const text = cliDoc();
  if (process.argv.includes('--check')) {
    if (readFileSync(docPath, 'utf8') !== text) {
      process.stderr.write('docs/cli.md is out of date: run node scripts/cli-doc.mjs\n');
      process.exit(1);
    }
  } else writeFileSync(docPath, text);
}
