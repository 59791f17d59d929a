// Syscalls made one by one, by number, under a command name of this test process's own: a copy
// of python3 named `py<pid>` that waits for a line on stdin, makes the calls, prints "done" and
// exits. Python reaches the syscalls libc no longer makes (open(2), creat(2), openat2(2)) through
// ctypes, so a test knows exactly which syscall ran.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The command name (comm) the private python runs under. */
export const PY_COMM = `py${process.pid}`.slice(0, 15);
let path: string | undefined;

function privatePython(): string {
  if (!path) {
    path = join(mkdtempSync(join(tmpdir(), 'tsbpf-py-')), PY_COMM);
    copyFileSync('/usr/bin/python3', path);
    execFileSync('chmod', ['755', path]);
  }
  return path;
}

const PRELUDE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
class OpenHow(ctypes.Structure):
    _fields_ = [('flags', ctypes.c_uint64), ('mode', ctypes.c_uint64), ('resolve', ctypes.c_uint64)]
def sys_open(p, flags): return libc.syscall(2, p.encode(), flags, 0)
def sys_creat(p, mode): return libc.syscall(85, p.encode(), mode)
def sys_openat2(p, flags):
    how = OpenHow(flags, 0, 0)
    return libc.syscall(437, -100, p.encode(), ctypes.byref(how), ctypes.sizeof(how))
`;

export interface PythonRun {
  child: ChildProcess;
  /** Makes the calls; resolves when the process has exited. */
  go(): Promise<void>;
}

/** A workload: Python statements run at once (`setup`), then those of go() (`calls`). */
export interface Workload {
  setup: string;
  calls: string;
}

/** Starts the private python: `setup` runs, then `calls` wait for go(). */
export function startPython(work: Workload): PythonRun {
  const script = `${PRELUDE}${work.setup}\nsys.stdin.readline()\n${work.calls}\nprint('done')`;
  const child = spawn(privatePython(), ['-c', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`python exited ${code}`)))),
  );
  return {
    child,
    go: () => {
      child.stdin?.end('go\n');
      return exited;
    },
  };
}

/**
 * unlink(2) of `a`, unlinkat(2) of `b`, rmdir(2) of `d1`, unlinkat(2) with AT_REMOVEDIR of `d2`,
 * all in `dir` (the *at calls relative to a descriptor of it).
 */
export function unlinkFamily(dir: string): Workload {
  return {
    setup: `
d = ${JSON.stringify(dir)}
for f in ('a', 'b'): open(os.path.join(d, f), 'w').close()
for f in ('d1', 'd2'): os.mkdir(os.path.join(d, f))
fd = os.open(d, os.O_RDONLY)`,
    calls: `
os.unlink(os.path.join(d, 'a'))
os.unlink('b', dir_fd=fd)
os.rmdir(os.path.join(d, 'd1'))
os.rmdir('d2', dir_fd=fd)`,
  };
}

/** open(2), openat(2), creat(2) and openat2(2), one file each in `dir` (each closed after). */
export function openFamily(dir: string): Workload {
  return {
    setup: `
d = ${JSON.stringify(dir)}
for f in ('open', 'openat', 'openat2'): open(os.path.join(d, f), 'w').close()`,
    calls: `
for fd in (sys_open(os.path.join(d, 'open'), 0), os.open(os.path.join(d, 'openat'), os.O_RDONLY),
           sys_creat(os.path.join(d, 'creat'), 0o644), sys_openat2(os.path.join(d, 'openat2'), 0)):
    assert fd >= 0, ctypes.get_errno()
    os.close(fd)`,
  };
}
