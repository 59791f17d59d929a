// Shared helpers for the BTF tests: fixture paths, optional outside tools.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/btf/', import.meta.url));
export const fixture = (name: string): Buffer => readFileSync(FIXTURES + name);
export const VMLINUX = '/sys/kernel/btf/vmlinux';
export const hasVmlinux = existsSync(VMLINUX);

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
export const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/usr/local/sbin/bpftool'].find((p) =>
  existsSync(p),
);
export const hasClang19 = has('clang-19');
