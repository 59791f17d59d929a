// examples/tools/: bcc's most used tools as short TypeScript files, each run as a user runs it
// (the built file) beside bpftrace 0.17 doing the same over one workload, and compared. Tools on
// kprobes (vfsstat, capable) need a kernel with kprobes: the VM suite.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errno, syscallNames } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { bpftrace, haveBpftrace, privateCommand } from './support/bpftrace.js';
import { type ChildRun, runChild } from './support/child.js';
import { bpftraceHist, bucketMoves, closeHistograms, ourHist, total } from './support/histograms.js';
import { kernelDescribe } from './support/kernel.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a tool; once it is attached runs `during` (bpftrace with the workload), then stops it. */
function tool(name: string, args: string[], during: () => unknown): Promise<ChildRun> {
  return runChild(process.execPath, [join(root, 'dist/examples/tools', `${name}.js`), ...args], {
    ready: /(tracing|counting) /,
    during: async () => {
      await during();
      await new Promise((r) => setTimeout(r, 200)); // the last records reach the reader
    },
    stop: true,
  });
}

/** Our tool's run, with bpftrace running `program` over `workload` inside it (when installed). */
async function beside(
  name: string,
  args: string[],
  program: string,
  workload: () => unknown,
): Promise<{ ours: ChildRun; theirs?: ChildRun }> {
  let theirs: ChildRun | undefined;
  const ours = await tool(name, args, async () => {
    if (haveBpftrace()) theirs = await bpftrace(program, workload);
    else await workload();
  });
  expect(ours.code, ours.stderr).toBe(0);
  return { ours, theirs };
}

const words = (l: string) => l.trim().split(/\s+/);

describe('comparing two histograms of one workload', () => {
  const h = (rows: string) =>
    new Map(rows.split(' ').map((r) => r.split(':').map(Number) as [number, number]));
  it('takes a quarter of the events one bucket over, but not wrong boundaries or units', () => {
    // A run-queue latency run where bpftrace's stamps came a microsecond closer together.
    const ours = h('4:16 8:19 16:3 32:1 64:2 256:1');
    const theirs = h('4:22 8:11 16:5 32:1 64:2 256:1');
    expect(bucketMoves(ours, theirs)).toBe(8);
    closeHistograms(ours, theirs);
    const shifted = new Map([...theirs].map(([low, n]) => [low * 2, n]));
    expect(bucketMoves(shifted, theirs)).toBe(42);
    expect(() => closeHistograms(shifted, theirs)).toThrow(/bucket moves/);
    const nanoseconds = new Map([...theirs].map(([low, n]) => [low * 1024, n]));
    expect(() => closeHistograms(nanoseconds, theirs)).toThrow(/bucket moves/);
  });
});

kernelDescribe('examples/tools beside bpftrace', ['tracepoints', 'ringbuf', 'btf'], () => {
  it('execsnoop: pid, parent and argv of each exec, as bpftrace join(args->argv)', async () => {
    const marker = `tsbpf-exec-${process.pid}`;
    let child = 0;
    const { ours, theirs } = await beside(
      'execsnoop',
      [],
      'tracepoint:syscalls:sys_enter_execve { printf("%d %d ", pid, curtask->real_parent->tgid); join(args->argv); }',
      () => {
        child = spawnSync('/bin/echo', [marker, 'a', 'b']).pid as number;
      },
    );
    const mine = (t: string) =>
      t
        .split('\n')
        .filter((l) => l.includes(marker))
        .map(words);
    expect(mine(ours.stdout)).toEqual([[String(child), String(process.pid), '/bin/echo', marker, 'a', 'b']]);
    if (theirs) expect(mine(ours.stdout)).toEqual(mine(theirs.stdout));
  });

  it('opensnoop: path and fd or errno of each openat, as bpftrace pairs entry and return', async () => {
    const cat = privateCommand('cat');
    const missing = `/nonexistent-${process.pid}`;
    const { ours, theirs } = await beside(
      'opensnoop',
      ['--comm', cat.comm],
      `tracepoint:syscalls:sys_enter_openat /comm == "${cat.comm}"/ { @f[tid] = args->filename; }
       tracepoint:syscalls:sys_exit_openat /@f[tid]/ { printf("%d %d %s\\n", pid, args->ret, str(@f[tid])); delete(@f[tid]); }`,
      () => spawnSync(cat.path, ['/etc/hostname', missing]),
    );
    const rows = ours.stdout
      .split('\n')
      .filter((l) => l.includes(cat.comm))
      .map(words)
      .map(
        ([pid, , fd, err, path]) => `${pid} ${fd === '-1' ? -(Errno[err as string] as number) : fd} ${path}`,
      );
    expect(rows.some((r) => r.endsWith(' /etc/hostname') && !r.includes(' -'))).toBe(true);
    expect(rows.some((r) => r.endsWith(` -2 ${missing}`))).toBe(true);
    if (theirs) {
      const their = theirs.stdout.split('\n').filter((l) => /^\d+ -?\d+ \//.test(l));
      expect(rows).toEqual(their);
    }
  });

  it('killsnoop: signal names, target and result, as bpftrace sees the kill() calls', async () => {
    const kill = privateCommand('kill');
    const sleeper = spawn('sleep', ['30']);
    const target = sleeper.pid as number;
    const { ours, theirs } = await beside(
      'killsnoop',
      [],
      `tracepoint:syscalls:sys_enter_kill /comm == "${kill.comm}"/ { @t[tid] = args->pid; @s[tid] = args->sig; }
       tracepoint:syscalls:sys_exit_kill /@t[tid]/ { printf("%d %d %d %d\\n", pid, @s[tid], @t[tid], args->ret); delete(@t[tid]); delete(@s[tid]); }`,
      () => {
        spawnSync(kill.path, ['-USR1', String(target)]);
        spawnSync(kill.path, ['-TERM', '2147483000']); // no such process: ESRCH
      },
    );
    sleeper.kill();
    const rows = ours.stdout
      .split('\n')
      .filter((l) => l.includes(kill.comm))
      .map(words);
    expect(rows.map((r) => r.slice(2))).toEqual([
      ['SIGUSR1', String(target), '0'],
      ['SIGTERM', '2147483000', 'ESRCH'],
    ]);
    if (theirs) {
      const sig = { SIGUSR1: 10, SIGTERM: 15 } as Record<string, number>;
      const mine = rows.map(
        ([pid, , s, t, r]) =>
          `${pid} ${sig[s as string]} ${t} ${r === '0' ? 0 : -(Errno[r as string] as number)}`,
      );
      expect(mine).toEqual(theirs.stdout.split('\n').filter((l) => /^\d+ \d+ -?\d+ -?\d+$/.test(l)));
    }
  });

  it('statsnoop: each stat() path with its result', async () => {
    const stat = privateCommand('stat');
    const missing = `/nonexistent-${process.pid}`;
    const ours = await tool('statsnoop', ['--comm', stat.comm], () =>
      spawnSync(stat.path, ['/etc/hostname', missing]),
    );
    const rows = ours.stdout
      .split('\n')
      .filter((l) => l.includes(stat.comm))
      .map((l) => words(l).slice(2));
    expect(rows).toContainEqual(['0', '/etc/hostname']);
    expect(rows).toContainEqual(['ENOENT', missing]);
  });

  it('syscount: per-syscall counts of one command, the same as bpftrace @[args->id] = count()', async () => {
    const dd = privateCommand('dd');
    const { ours, theirs } = await beside(
      'syscount',
      ['--comm', dd.comm, '--top', '500'],
      `tracepoint:raw_syscalls:sys_enter /comm == "${dd.comm}"/ { @[args->id] = count(); }`,
      () => spawnSync(dd.path, ['if=/dev/zero', 'of=/dev/null', 'bs=512', 'count=7']),
    );
    const rows = new Map(
      ours.stdout
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => words(l) as [string, string])
        .map(([n, c]) => [n, Number(c)]),
    );
    expect(rows.get('read')).toBeGreaterThanOrEqual(7);
    if (theirs) {
      const names = await syscallNames();
      const their = new Map(
        [...theirs.stdout.matchAll(/^@\[(\d+)\]: (\d+)$/gm)].map((m) => [
          names.get(Number(m[1])) ?? m[1],
          Number(m[2]),
        ]),
      );
      expect(rows).toEqual(their);
    }
  });

  it('tcpconnect: IPv4 and IPv6 connects with ntop() addresses and ports, as bpftrace prints them', async () => {
    const ports: number[] = [];
    const connectTo = async (host: string) => {
      const server = createServer((s) => s.end());
      await new Promise<void>((r) => server.listen(0, host, r));
      const port = (server.address() as { port: number }).port;
      ports.push(port);
      const sock = tcpConnect(port, host);
      await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
      sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    };
    const { ours, theirs } = await beside(
      'tcpconnect',
      [],
      `tracepoint:sock:inet_sock_set_state /args->newstate == 2 && args->protocol == 6/ {
         if (args->family == 10) { printf("%d 6 %s %s %d\\n", pid, ntop(args->saddr_v6), ntop(args->daddr_v6), args->dport); }
         else { printf("%d 4 %s %s %d\\n", pid, ntop(args->saddr), ntop(args->daddr), args->dport); } }`,
      async () => {
        await connectTo('127.0.0.1');
        await connectTo('::1');
      },
    );
    const mine = (lines: string[][]) =>
      lines.filter((w) => ports.includes(Number(w.at(-1)))).map((w) => w.join(' '));
    const rows = mine(
      ours.stdout
        .split('\n')
        .map(words)
        .map((w) => [w[0], ...w.slice(2)] as string[]),
    );
    expect(rows).toEqual([
      `${process.pid} 4 127.0.0.1 127.0.0.1 ${ports[0]}`,
      `${process.pid} 6 ::1 ::1 ${ports[1]}`,
    ]);
    if (theirs) expect(rows).toEqual(mine(theirs.stdout.split('\n').map(words)));
  });

  it('runqlat --comm: the same log2 buckets and counts as bpftrace runqlat.bt over one workload', async () => {
    const sleeper = privateCommand('sleep');
    const c = sleeper.comm;
    const { ours, theirs } = await beside(
      'runqlat',
      ['--comm', c],
      `tracepoint:sched:sched_wakeup,tracepoint:sched:sched_wakeup_new /args->comm == "${c}"/ { @q[args->pid] = nsecs; }
tracepoint:sched:sched_switch { if (args->prev_state == 0 && args->prev_pid != 0 && args->prev_comm == "${c}") { @q[args->prev_pid] = nsecs; } if (args->next_comm == "${c}") { $t = @q[args->next_pid]; if ($t) { @usecs = hist((nsecs - $t) / 1000); } delete(@q[args->next_pid]); } }`,
      () => {
        for (let i = 0; i < 40; i++) spawnSync(sleeper.path, ['0.002']);
      },
    );
    const mine = ourHist(ours.stdout);
    // Each sleep waits for a CPU at least once after its timer fires.
    expect(total(mine)).toBeGreaterThanOrEqual(40);
    if (theirs) closeHistograms(mine, bpftraceHist(theirs.stdout));
  });

  it('biolatency --disk: the same log2 buckets and counts as bpftrace over direct I/O on a loop device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bio-'));
    const file = join(dir, 'disk');
    execFileSync('truncate', ['-s', '16M', file]);
    const loop = execFileSync('losetup', ['-f', '--show', file], { encoding: 'utf8' }).trim();
    try {
      const disk = loop.replace('/dev/', '');
      const [major, minor] = readFileSync(`/sys/block/${disk}/dev`, 'utf8').trim().split(':').map(Number);
      const dev = ((major as number) << 20) | (minor as number);
      const { ours, theirs } = await beside(
        'biolatency',
        ['--disk', disk],
        `tracepoint:block:block_rq_issue /args->dev == ${dev}/ { @s[args->dev, args->sector] = nsecs; }
tracepoint:block:block_rq_complete /@s[args->dev, args->sector]/ { @usecs = hist((nsecs - @s[args->dev, args->sector]) / 1000); delete(@s[args->dev, args->sector]); }`,
        () => {
          // 64 writes and 64 reads of 4 KiB, past the page cache: one request each.
          execFileSync('dd', ['if=/dev/zero', `of=${loop}`, 'bs=4k', 'count=64', 'oflag=direct'], {
            stdio: 'ignore',
          });
          execFileSync('dd', [`if=${loop}`, 'of=/dev/null', 'bs=4k', 'count=64', 'iflag=direct'], {
            stdio: 'ignore',
          });
        },
      );
      const mine = ourHist(ours.stdout);
      expect(total(mine)).toBeGreaterThanOrEqual(128);
      if (theirs) closeHistograms(mine, bpftraceHist(theirs.stdout));
    } finally {
      execFileSync('losetup', ['-d', loop]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
