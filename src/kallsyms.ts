// Kernel symbols (/proc/kallsyms) and the kprobe blacklist: what a kprobe may attach to, and the
// arch-specific syscall wrapper names (`__x64_sys_unlinkat`), probed the way libbpf does.
import { existsSync, readFileSync } from 'node:fs';
import { Cmd, nextId } from './sys/bpf.js';
import { mount } from './sys/libc.js';

/** A kernel symbol's address (a BigInt; 0 when kptr_restrict hides addresses) and module. */
export interface KernelSymbol {
  name: string;
  address: bigint;
  /** `t`/`T` for text, … (the nm type letter). */
  type: string;
  module?: string;
}

let symbols: Map<string, KernelSymbol> | undefined;

/** Parses kallsyms text (exported for tests over fixed input). */
export function parseKallsyms(text: string): Map<string, KernelSymbol> {
  const out = new Map<string, KernelSymbol>();
  for (const line of text.split('\n')) {
    // "ffffffff8137dd60 T do_unlinkat" or "... t foo\t[module]"
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    if (a < 0 || b < 0) continue;
    const rest = line.slice(b + 1);
    const tab = rest.indexOf('\t');
    const name = tab < 0 ? rest : rest.slice(0, tab);
    if (out.has(name)) continue; // the first (core kernel) definition wins
    const sym: KernelSymbol = { name, address: BigInt(`0x${line.slice(0, a)}`), type: line.slice(a + 1, b) };
    if (tab >= 0) sym.module = rest.slice(tab + 1).replace(/^\[|\]$/g, '');
    out.set(name, sym);
  }
  return out;
}

/** All kernel symbols, read once per process. */
export function kallsyms(): Map<string, KernelSymbol> {
  symbols ??= parseKallsyms(readFileSync('/proc/kallsyms', 'latin1'));
  return symbols;
}

/** A kernel symbol by name, or undefined. */
export function kernelSymbol(name: string): KernelSymbol | undefined {
  return kallsyms().get(name);
}

/** The syscall wrapper prefix of this architecture, as libbpf probes it. */
export function syscallPrefix(): string | undefined {
  const candidates =
    process.arch === 'arm64' ? ['__arm64_sys_'] : process.arch === 'x64' ? ['__x64_sys_', '__ia32_sys_'] : [];
  for (const p of [...candidates, '__se_sys_', 'sys_']) {
    if (kernelSymbol(`${p}bpf`)) return p;
  }
  return undefined;
}

/** The kernel function behind syscall `name` (`unlinkat` → `__x64_sys_unlinkat`), if any. */
export function syscallFunction(name: string): string | undefined {
  const prefix = syscallPrefix();
  if (prefix === undefined) return undefined;
  const fn = `${prefix}${name}`;
  return kernelSymbol(fn) ? fn : undefined;
}

/** One blacklisted address range and the function it covers. */
export interface BlacklistEntry {
  start: bigint;
  end: bigint;
  name: string;
}

/** Parses the kprobes blacklist ("0xstart-0xend\tname" per line). */
export function parseBlacklist(text: string): BlacklistEntry[] {
  const out: BlacklistEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\S+)/.exec(line);
    if (m) out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), name: m[3] as string });
  }
  return out;
}

let blacklist: Set<string> | null | undefined;

/**
 * Names of functions kprobes refuse (debugfs kprobes/blacklist; mounts debugfs if needed), or
 * null when this kernel does not publish the list.
 */
export function kprobeBlacklist(): Set<string> | null {
  if (blacklist !== undefined) return blacklist;
  const path = '/sys/kernel/debug/kprobes/blacklist';
  if (!existsSync(path) && existsSync('/sys/kernel/debug'))
    mount('debugfs', '/sys/kernel/debug', 'debugfs', 0, null);
  try {
    blacklist = new Set(parseBlacklist(readFileSync(path, 'latin1')).map((e) => e.name));
  } catch {
    blacklist = null;
  }
  return blacklist;
}

/** Text symbols sorted by address, and the newest BPF program id when they were read. */
interface TextSymbols {
  addrs: BigUint64Array;
  names: string[];
  /** The index of the core kernel's highest symbol (one image; modules' and programs' lie elsewhere). */
  coreEnd: number;
  /** Undefined when program ids cannot be listed (no CAP_SYS_ADMIN): no staleness check then. */
  newestProgId: number | undefined;
}

let byAddress: TextSymbols | undefined;

/** The newest BPF program id at or after `from`, or undefined when ids cannot be listed. */
function newestProgId(from: number): number | undefined {
  try {
    let id = from;
    for (
      let next = nextId(Cmd.PROG_GET_NEXT_ID, id);
      next !== undefined;
      next = nextId(Cmd.PROG_GET_NEXT_ID, id)
    )
      id = next;
    return id;
  } catch {
    return undefined;
  }
}

/**
 * Text symbols sorted by address, read once and again when BPF programs were loaded since;
 * `knownId` is a program id known to exist or to have existed (the newest id is sought after it).
 */
function textSymbols(knownId = 0): TextSymbols {
  if (byAddress) return byAddress;
  // The id first: a program loaded while the file is read is then newer than it, and found stale.
  const newest = newestProgId(knownId);
  const syms = [...parseKallsymsAll(readFileSync('/proc/kallsyms', 'latin1'))].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
  );
  byAddress = {
    addrs: BigUint64Array.from(syms, (s) => s.address),
    names: syms.map((s) => (s.module ? `${s.name} [${s.module}]` : s.name)),
    coreEnd: syms.findLastIndex((s) => s.module === undefined),
    newestProgId: newest,
  };
  return byAddress;
}

/**
 * True (and the symbols dropped) when a BPF program was loaded after they were read: its JIT
 * image is named only in a newer kallsyms, and an address in it would otherwise take the name
 * of whatever module or program symbol precedes it.
 */
function dropIfStale(syms: TextSymbols): boolean {
  if (syms.newestProgId === undefined) return false;
  if (newestProgId(syms.newestProgId) === syms.newestProgId) return false;
  byAddress = undefined;
  return true;
}

/** The index of the last symbol at or below `address`, or -1. */
function covering(addrs: BigUint64Array, address: bigint): number {
  let lo = 0;
  let hi = addrs.length - 1;
  if (hi < 0 || address < (addrs[0] as bigint)) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((addrs[mid] as bigint) <= address) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function* parseKallsymsAll(text: string): Generator<KernelSymbol> {
  for (const line of text.split('\n')) {
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    if (a < 0 || b < 0) continue;
    const type = line.slice(a + 1, b);
    if (type !== 't' && type !== 'T') continue;
    const rest = line.slice(b + 1);
    const tab = rest.indexOf('\t');
    const sym: KernelSymbol = {
      name: tab < 0 ? rest : rest.slice(0, tab),
      address: BigInt(`0x${line.slice(0, a)}`),
      type,
    };
    if (tab >= 0) sym.module = rest.slice(tab + 1).replace(/^\[|\]$/g, '');
    yield sym;
  }
}

/** The kernel text symbol covering `address` (name, offset, module), or undefined. */
export function kernelTextSymbol(
  address: bigint,
): { name: string; offset: bigint; module?: string } | undefined {
  let syms = textSymbols();
  let lo = covering(syms.addrs, address);
  // Only an address outside the core kernel's text can be in a program loaded since.
  const suspect = lo < 0 || lo >= syms.coreEnd || / \[.+\]$/.test(syms.names[lo] as string);
  if (suspect && dropIfStale(syms)) {
    syms = textSymbols(syms.newestProgId);
    lo = covering(syms.addrs, address);
  }
  if (lo < 0) return undefined;
  const { addrs, names } = syms;
  const base = addrs[lo] as bigint;
  if (base === 0n) return undefined; // kptr_restrict hides addresses
  const full = names[lo] as string;
  const m = / \[(.+)\]$/.exec(full);
  return m
    ? { name: full.slice(0, m.index), offset: address - base, module: m[1] }
    : { name: full, offset: address - base };
}

/** `do_unlinkat+0x2a` for a kernel text address; the bare hex address when no symbol covers it. */
export function symbolize(address: bigint): string {
  const s = kernelTextSymbol(address);
  if (!s) return `0x${address.toString(16)}`;
  const name = s.module ? `${s.name} [${s.module}]` : s.name;
  return s.offset === 0n ? name : `${name}+0x${s.offset.toString(16)}`;
}
