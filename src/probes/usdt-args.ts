// USDT arguments as probe values: each argument spec of a probe site (format/usdt-args.ts) becomes
// the expression that reads it — a pt_regs register narrowed to its size, memory at a register
// plus a displacement read with bpf_probe_read_user, or a constant — sign- or zero-extended as
// its spec says. A probe whose sites lay their arguments out differently (a name with several
// sites, or a wildcard) gets one layout per attachment cookie and reads `p.arg(i)` through the
// cookie of the site that fired (link/usdt.ts attaches with those cookies).
import type { Btf } from '../../btf/parse.js';
import type { ArgDef, ProbeArgs } from '../compiler/probe-args.js';
import { type IntSize, intType, S64, U64 } from '../compiler/types.js';
import type { Node } from '../compiler/value.js';
import type { UsdtArg, X86Register } from '../format/usdt.js';
import { ptRegsOffset } from './pt-regs.js';

/** pt_regs field of each register (x86-64 names the fields without the `r`/`e`). */
const PT_REGS_FIELD: Record<X86Register, string> = {
  rax: 'ax',
  rbx: 'bx',
  rcx: 'cx',
  rdx: 'dx',
  rsi: 'si',
  rdi: 'di',
  rbp: 'bp',
  rsp: 'sp',
  r8: 'r8',
  r9: 'r9',
  r10: 'r10',
  r11: 'r11',
  r12: 'r12',
  r13: 'r13',
  r14: 'r14',
  r15: 'r15',
  // At a uprobe's handler the saved ip is the probe site's address (link/usdt.ts relies on it).
  rip: 'ip',
};

function regNode(btf: () => Btf, reg: X86Register): Node {
  return { op: 'ctx', off: ptRegsOffset(PT_REGS_FIELD[reg], btf), size: 8, signed: false };
}

const add = (a: Node, b: Node): Node => ({ op: 'alu', alu: 'add', a, b, signed: false });

/** `value` truncated to `size` bytes and extended back as `signed` says. */
function constant(value: bigint, size: IntSize, signed: boolean): bigint {
  const bits = BigInt(size * 8);
  return signed ? BigInt.asIntN(Number(bits), value) : BigInt.asUintN(Number(bits), value);
}

/** The expression reading one argument, or the reason it cannot be read. */
export function usdtArgNode(btf: () => Btf, a: UsdtArg): Node | { error: string } {
  const loc = a.location;
  switch (loc.kind) {
    case 'constant':
      return { op: 'const', value: constant(loc.value, a.size, a.signed) };
    case 'register': {
      let node = regNode(btf, loc.register.reg);
      if (loc.register.shift)
        node = { op: 'alu', alu: 'rsh', a: node, b: { op: 'const', value: 8n }, signed: false };
      const size = Math.min(a.size, loc.register.bits / 8) as IntSize;
      return size === 8 ? node : { op: 'cast', a: node, size, signed: a.signed };
    }
    case 'memory': {
      let addr: Node = { op: 'const', value: loc.offset };
      if (loc.base) addr = add(regNode(btf, loc.base), addr);
      if (loc.index) {
        const idx = regNode(btf, loc.index);
        const scaled: Node =
          loc.scale === 1
            ? idx
            : { op: 'alu', alu: 'mul', a: idx, b: { op: 'const', value: BigInt(loc.scale) }, signed: false };
        addr = add(addr, scaled);
      }
      return { op: 'read', addr, size: a.size, signed: a.signed, user: true };
    }
    case 'symbol':
      return { error: `'${a.text}': the symbol '${loc.symbol}' was not resolved against the binary` };
    case 'unsupported':
      return { error: `'${a.text}': ${loc.why}` };
  }
}

const typeName = (size: number, signed: boolean): string => `${signed ? 's' : 'u'}${size * 8}`;

/**
 * A USDT probe's arguments, `arg0`…: `layouts[c]` is the argument list of the sites attached with
 * cookie `c` (one layout: no cookie is read). An argument some layouts lack reads 0 at those sites.
 */
export function usdtProbeArgs(btf: () => Btf, layouts: readonly (readonly UsdtArg[])[]): ProbeArgs {
  const count = Math.max(0, ...layouts.map((l) => l.length));
  const args: ArgDef[] = [];
  for (let i = 0; i < count; i++) {
    const name = `arg${i}`;
    const present = layouts.map((l) => l[i]).filter((a): a is UsdtArg => a !== undefined);
    const first = present[0] as UsdtArg;
    const same = present.every((a) => a.size === first.size && a.signed === first.signed);
    const type = same ? intType(first.size, first.signed, name) : present.some((a) => a.signed) ? S64 : U64;
    const specs = [...new Set(present.map((a) => a.text))].join(' | ');
    const decl = `${typeName(type.size, type.signed)} ${name} (${specs})`;
    const nodes = layouts.map((l) =>
      l[i] === undefined ? ({ op: 'const', value: 0n } as Node) : usdtArgNode(btf, l[i] as UsdtArg),
    );
    const failed = nodes.find((n): n is { error: string } => 'error' in n);
    if (failed) {
      args.push({ name, type, btfType: 0, decl, error: `usdt ${name}: ${failed.error}` });
      continue;
    }
    const node: Node =
      nodes.length === 1
        ? (nodes[0] as Node)
        : {
            op: 'select',
            on: { op: 'cookie' },
            cases: nodes.map((n, c) => ({ value: BigInt(c), node: n as Node })),
          };
    args.push({ name, type, node, btfType: 0, decl });
  }
  return { args };
}
