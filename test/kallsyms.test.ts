// Kernel text symbols for stacks: a BPF program loaded after kallsyms was first read is named by
// its own symbol (the kernel's /proc/kallsyms, read again here, is the oracle), not by the
// program or module symbol that precedes its image.
import { readFileSync } from 'node:fs';
import { Program } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelTextSymbol, symbolize } from '../src/kallsyms.js';
import { kernelDescribe } from './support/kernel.js';

/** The address of BPF program `name`'s image, from a fresh read of /proc/kallsyms. */
function programImage(name: string): { address: bigint; symbol: string } | undefined {
  for (const line of readFileSync('/proc/kallsyms', 'latin1').split('\n')) {
    const m = /^([0-9a-f]+) t (bpf_prog_[0-9a-f]+_(\w+))\t\[bpf\]$/.exec(line);
    if (m && m[3] === name) return { address: BigInt(`0x${m[1]}`), symbol: m[2] as string };
  }
  return undefined;
}

kernelDescribe('kernel text symbols', ['prog_load'], () => {
  it('name a program loaded after the first lookup by its own symbol', () => {
    // The first lookup reads kallsyms; the program below does not exist yet.
    const early = programImage('ksym_late');
    expect(early).toBeUndefined();
    expect(kernelTextSymbol(1n)).toBeUndefined();
    const instructions = assemble('r0 = 0\nexit', { dialect: 'llvm' }).instructions;
    // Several, so that at least one image lands after another program's and not first in a pack.
    const programs = Array.from({ length: 4 }, () =>
      Program.load({ type: 'socket_filter', name: 'ksym_late', instructions }),
    );
    try {
      const image = programImage('ksym_late');
      expect(image).toBeDefined();
      const { address, symbol } = image as { address: bigint; symbol: string };
      expect(address).not.toBe(0n); // root sees the addresses (kptr_restrict hides them from others)
      expect(kernelTextSymbol(address + 2n)).toEqual({ name: symbol, offset: 2n, module: 'bpf' });
      expect(symbolize(address + 2n)).toBe(`${symbol} [bpf]+0x2`);
    } finally {
      for (const p of programs) p.close();
    }
  });
});
