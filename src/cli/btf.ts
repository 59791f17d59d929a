// `tsbpf btf dump [--file PATH] [--base PATH] [--format c|raw|json] [TYPE…]` and `tsbpf btf show NAME`.
import { readFileSync } from 'node:fs';
import { Btf } from '../../btf/parse.js';
import type { BtfType, StructType, UnionType } from '../../btf/types.js';
import { openKernelBtf, VMLINUX_BTF_PATH } from '../btf-cache.js';
import { timed } from '../timing.js';
import { command } from './command.js';
import { UsageError } from './usage.js';

const DEFAULT_FILE = VMLINUX_BTF_PATH;

const HELP = `usage: tsbpf btf dump [--file PATH] [--base PATH] [--format c|raw|json] [TYPE...]
       tsbpf btf show NAME [--file PATH] [--base PATH]

dump   prints every type (or only the named TYPEs) of a BTF file:
         c     a compilable header, like 'bpftool btf dump ... format c' (with TYPEs: those
               types and everything they need)
         raw   one record per type, like 'bpftool btf dump ... format raw' (the default)
         json  the decoded types as JSON
show   one type, resolved, with member offsets, sizes and bitfields (like pahole), or a
       function's prototype
  --file PATH   raw BTF file (default ${DEFAULT_FILE})
  --base PATH   base BTF for split BTF (default: vmlinux when --file is /sys/kernel/btf/<module>)
  -h, --help    show this help
`;

export const run = command({
  help: HELP,
  options: {
    file: { type: 'string' },
    base: { type: 'string' },
    format: { type: 'string' },
  },
  async run(values, positionals) {
    const [sub, ...names] = positionals;
    if (sub !== 'dump' && sub !== 'show')
      throw new UsageError(
        sub ? `unknown subcommand '${sub}' (dump or show)` : 'expected a subcommand: dump or show',
      );
    const format = values.format ?? 'raw';
    if (format !== 'c' && format !== 'raw' && format !== 'json')
      throw new UsageError(`--format must be c, raw or json, not '${format}'`);
    if (sub === 'show' && names.length !== 1) throw new UsageError('show takes exactly one type name');
    const btf = open(values.file ?? DEFAULT_FILE, values.base);
    if (sub === 'show') {
      process.stdout.write(await show(btf, names[0]));
      return 0;
    }
    const ids: number[] = [];
    for (const name of names) {
      const found = btf.findAll(name).filter((t) => t.id >= btf.firstId);
      if (found.length === 0) {
        process.stderr.write(`tsbpf btf: no type named '${name}'\n`);
        return 1;
      }
      for (const t of found) ids.push(t.id);
    }
    const roots = names.length ? ids : undefined;
    if (format === 'raw') {
      const { formatRaw } = await import('../../btf/raw.js');
      process.stdout.write(formatRaw(btf, roots));
    } else if (format === 'c') {
      // Streamed: written while it is made, waiting for a slow reader, stopping if it has gone.
      const { writeC } = await import('../../btf/cdump.js');
      const { writeStdout } = await import('./sync-out.js');
      timed('C dump', () => writeC(btf, writeStdout, { roots }));
    } else {
      const out = (roots ?? [...btf.ids()]).map((id) => btf.type(id));
      process.stdout.write(
        `${JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 1)}\n`,
      );
    }
    return 0;
  },
});

function open(file: string, basePath: string | undefined): Btf {
  let base: Btf | undefined;
  if (basePath) base = timed('BTF open+index (base)', () => read(basePath));
  else if (file.startsWith('/sys/kernel/btf/') && file !== DEFAULT_FILE)
    base = timed('BTF open+index (vmlinux)', () => read(DEFAULT_FILE));
  return timed('BTF open+index', () => (base ? Btf.parse(readFileSync(file), { base }) : read(file)));
}

/** A whole BTF file; the running kernel's with its saved index, as the tracer opens it. */
function read(file: string): Btf {
  return file === DEFAULT_FILE ? openKernelBtf(readFileSync(file)) : Btf.parse(readFileSync(file));
}

async function show(btf: Btf, name: string): Promise<string> {
  const { cDeclaration } = await import('../../btf/cdecl.js');
  const layout = await import('../../btf/layout.js');
  const all = btf.findAll(name);
  const t =
    all.find((x) => x.kind === 'struct' || x.kind === 'union') ?? all.find((x) => x.kind !== 'fwd') ?? all[0];
  if (!t) throw new Error(`no type named '${name}'`);
  const lines: string[] = [];
  if (t.kind === 'func') {
    const sig = layout.functionSignature(btf, name);
    const params = sig.params.map((p) => cDeclaration(btf, p.type, p.name));
    if (sig.variadic) params.push('...');
    lines.push(`/* [${t.id}] FUNC, ${sig.linkage} linkage, prototype [${t.type}] */`);
    lines.push(`${cDeclaration(btf, sig.returnType, `${name}(${params.join(', ') || 'void'})`)};`);
    return `${lines.join('\n')}\n`;
  }
  let target: BtfType = t;
  if (t.kind === 'typedef') {
    target = layout.resolveType(btf, t.id);
    lines.push(`typedef ${cDeclaration(btf, t.type, t.name)}; /* [${t.id}] resolves to [${target.id}] */`);
  }
  if (target.kind === 'struct' || target.kind === 'union') {
    lines.push(
      `${target.kind} ${target.name || '(anon)'} { /* [${target.id}] size ${target.size}, align ${layout.alignOf(btf, target.id)} */`,
    );
    composite(btf, target, 0, 1, lines, cDeclaration, layout.sizeOf);
    lines.push(`}${layout.isPacked(btf, target) ? ' __attribute__((packed))' : ''};`);
  } else if (target.kind === 'enum' || target.kind === 'enum64') {
    lines.push(
      `enum ${target.name || '(anon)'} { /* [${target.id}] size ${target.size}, ${target.signed ? 'signed' : 'unsigned'} */`,
    );
    for (const v of target.values) lines.push(`\t${v.name} = ${v.value},`);
    lines.push('};');
  } else if (t.kind !== 'typedef') {
    let size = '';
    try {
      size = `, size ${layout.sizeOf(btf, target.id)}`;
    } catch {}
    lines.push(`/* [${target.id}] ${target.kind}${size} */ ${cDeclaration(btf, target.id, '')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Members with `/* offset size *\/` comments; anonymous members are expanded in place. */
function composite(
  btf: Btf,
  t: StructType | UnionType,
  baseBits: number,
  depth: number,
  lines: string[],
  decl: (btf: Btf, id: number, name: string) => string,
  sizeOf: (btf: Btf, id: number) => number,
): void {
  const pad = '\t'.repeat(depth);
  for (const m of t.members) {
    const bits = baseBits + m.bitOffset;
    const inner = btf.type(m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union')) {
      lines.push(`${pad}${inner.kind} { /* offset ${bits >>> 3}, size ${inner.size} */`);
      composite(btf, inner, bits, depth + 1, lines, decl, sizeOf);
      lines.push(`${pad}};`);
      continue;
    }
    let size = '?';
    try {
      size = String(sizeOf(btf, m.type));
    } catch {}
    const text = `${pad}${decl(btf, m.type, m.name)}${m.bitfieldSize ? `:${m.bitfieldSize}` : ''};`;
    const where = m.bitfieldSize
      ? `${bits >>> 3}:${bits & 7} bits ${m.bitfieldSize}`
      : `${bits >>> 3} ${size}`;
    lines.push(`${text.padEnd(48)} /* ${where} */`);
  }
}
