// Numbers a trace shows as names: syscall numbers (the running kernel's sys_call_table, or its UAPI headers),
// signals and errno values (Node's tables of this platform), and capabilities (the stable
// numbering of linux/capability.h).
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { kernelSymbol, symbolize } from '../kallsyms.js';

const SIGNALS = new Map<number, string>(
  Object.entries(constants.signals).map(([name, n]) => [n as number, name]),
);
// Several names share a number (EAGAIN/EWOULDBLOCK, EDEADLK/EDEADLOCK): the first listed wins.
const ERRNOS = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!ERRNOS.has(n)) ERRNOS.set(n, name);

/** `SIGKILL` for 9; the number as text when it has no name. */
export function signalName(n: number): string {
  return SIGNALS.get(n) ?? String(n);
}

/** `ENOENT` for 2 or -2 (syscalls return -errno); the number as text when it has no name. */
export function errnoName(n: number): string {
  return ERRNOS.get(Math.abs(n)) ?? String(n);
}

// linux/capability.h: numbers are ABI, new ones are only ever appended.
const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** `CAP_SYS_ADMIN` for 21; the number as text for one this table does not know. */
export function capabilityName(n: number): string {
  return CAPABILITIES[n] ?? String(n);
}

/** Room read from sys_call_table: more than any architecture's syscall count today. */
const TABLE_SLOTS = 512;
let syscalls: Map<number, string> | undefined;

/** The kernel's UAPI syscall table as installed with its headers (linux-libc-dev). */
const UNISTD: Partial<Record<string, string>> = {
  x64: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h',
  arm64: '/usr/include/asm-generic/unistd.h',
};

/**
 * The running kernel's syscall numbers and names. First its own sys_call_table, read once in
 * the kernel (a BEGIN probe, as bpftrace's syscount reads it with kaddr()) and symbolized from
 * /proc/kallsyms (`__x64_sys_openat` → `openat`); kernels built without CONFIG_KALLSYMS_ALL do not
 * show that table's address, and then the numbering of the kernel's installed UAPI headers
 * (asm/unistd_64.h) is used. Empty when neither is there.
 */
export async function syscallNames(): Promise<Map<number, string>> {
  if (syscalls) return syscalls;
  syscalls = (await fromSyscallTable()) ?? fromHeaders();
  return syscalls;
}

async function fromSyscallTable(): Promise<Map<number, string> | undefined> {
  const table = kernelSymbol('sys_call_table');
  if (!table || table.address === 0n) return undefined;
  const { Tracer } = await import('./tracer.js');
  using t = new Tracer();
  let entries: (number | bigint)[] = [];
  t.probe('BEGIN', (p) => p.emit({ table: p.constant(table.address).as('void *').array(TABLE_SLOTS) })).on(
    (e) => {
      entries = e.table as (number | bigint)[];
    },
  );
  await t.start();
  t.drain();
  const out = new Map<number, string>();
  for (let nr = 0; nr < entries.length; nr++) {
    const name = symbolize(BigInt(entries[nr] as number | bigint));
    const m = /^__(?:x64|arm64|riscv|s390x)_sys_(\w+)$/.exec(name) ?? /^sys_(\w+)$/.exec(name);
    if (m && m[1] !== 'ni_syscall') out.set(nr, m[1] as string);
  }
  return out.size > 0 ? out : undefined;
}

function fromHeaders(): Map<number, string> {
  const out = new Map<number, string>();
  const path = UNISTD[process.arch];
  if (!path || !existsSync(path)) return out;
  for (const m of readFileSync(path, 'latin1').matchAll(/^#define __NR(?:3264)?_(\w+)\s+(\d+)\s*$/gm))
    out.set(Number(m[2]), m[1] as string);
  return out;
}

/** `openat` for 257 (x86-64) once syscallNames() has been read; the number as text otherwise. */
export function syscallName(n: number): string {
  return syscalls?.get(n) ?? String(n);
}
