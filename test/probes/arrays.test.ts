// Tracepoints with fixed-size array fields (raw_syscalls:sys_enter's `args[6]`, the IPv4/IPv6
// address bytes of sock:inet_sock_set_state): usable whether or not the probe reads the array,
// elements by index, whole arrays emitted, addresses as bpftrace's ntop() prints them — each
// checked against another view of the same event (the syscall's own tracepoint, bpftrace 0.17).
import { spawnSync } from 'node:child_process';
import { createServer, connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { listProbePoints, Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { BPFTRACE, bpftrace, haveBpftrace } from '../support/bpftrace.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
/** Opens and closes one TCP connection to a fresh listener on `host`; returns both ports. */
async function connectOnce(host: string): Promise<{ server: number; client: number }> {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  const sock = tcpConnect(port, host);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const client = sock.localPort as number;
  sock.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return { server: port, client };
}

kernelDescribe('array fields of tracepoints', ['tracepoints', 'ringbuf', 'btf'], () => {
  it('raw_syscalls:sys_enter: args[i] and the whole array agree with the syscall tracepoint', async () => {
    using t = new Tracer({ comm: RM_COMM });
    const raw: { id: number; a0: number; a1: bigint; args: (number | bigint)[] }[] = [];
    const own: { dfd: number; path: bigint }[] = [];
    t.probe('tracepoint:raw_syscalls:sys_enter', (p) => {
      const args = p.arg('args');
      return p.emit({ id: p.arg('id'), a0: args[0]?.s32() as never, a1: args.at(1).as('char'), args });
    }).on((e) => raw.push(e as never));
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) =>
      p.emit({ dfd: p.arg('dfd').s32(), path: p.arg('pathname') }),
    ).on((e) => own.push(e as never));
    await t.start();
    removeFiles(2);
    t.drain();
    expect(own).toHaveLength(2);
    // The raw records of the two unlinkat calls: same arguments as the syscall's own tracepoint.
    for (const o of own) {
      const r = raw.find((x) => x.a1 === o.path);
      expect(r, 'raw_syscalls saw the same pathname pointer').toBeDefined();
      expect(r?.a0).toBe(o.dfd);
      expect(r?.args).toHaveLength(6);
      expect(BigInt(r?.args[1] as number)).toBe(o.path);
      // AT_FDCWD (-100) in the register's low half: the u64 the kernel stored, read back as is.
      expect((r?.args[0] as number) % 2 ** 32).toBe(2 ** 32 - 100);
    }
  });

  it('a tracepoint with array fields the probe never reads counts like any other', () => {
    const r = spawnSync(
      process.execPath,
      [MAIN, 'count', 'tracepoint:raw_syscalls:sys_enter', '--by', 'comm', '-d', '0.5', '--json'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(last.rows.length).toBeGreaterThan(0);
  });

  it("sys_enter_execve alone: argv.field('[1]'), argv.at(2) and argv.strings() read the arguments", async () => {
    using t = new Tracer();
    const seen: { a1: string; a2: string; all: string[] }[] = [];
    const marker = `tsbpf-argv-${process.pid}`;
    t.probe('tracepoint:syscalls:sys_enter_execve', (p) => {
      const argv = p.arg('argv');
      return p.emit({
        a1: argv.field('[1]').string(),
        a2: argv.at(2).string(),
        all: argv.strings({ max: 8, size: 32 }),
      });
    }).on((e) => seen.push(e));
    await t.start();
    spawnSync('/bin/echo', [marker, 'two words', 'x', 'y', 'z']);
    t.drain();
    const mine = seen.filter((e) => e.a1 === marker);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.a2).toBe('two words');
    expect(mine[0]?.all).toEqual(['/bin/echo', marker, 'two words', 'x', 'y', 'z']);
  });

  it('p.task() in a tracepoint: real_parent->tgid of an exec is the process that spawned it', async () => {
    using t = new Tracer();
    const seen: { ppid: number; tgid: number; a1: string }[] = [];
    const marker = `tsbpf-task-${process.pid}`;
    t.probe('tracepoint:syscalls:sys_enter_execve', (p) =>
      p.emit({
        ppid: p.task().field('real_parent.tgid'),
        tgid: p.task().field('tgid'),
        a1: p.arg('argv').at(1).string(),
      }),
    ).on((e) => seen.push(e as never));
    await t.start();
    const child = spawnSync('/bin/echo', [marker]);
    t.drain();
    const mine = seen.filter((e) => e.a1 === marker);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.ppid).toBe(process.pid);
    expect(mine[0]?.tgid).toBe(child.pid);
  });

  it('index errors name the array and its length; arrays are not numbers', async () => {
    using t = new Tracer();
    t.probe('tracepoint:raw_syscalls:sys_enter', (p) => {
      expect(() => p.arg('args').at(6)).toThrow(/'args' has 6 elements/);
      expect(() => p.count('x', p.arg('args'))).toThrow(/is an array \(read one element/);
      expect(() => p.arg('args').string()).toThrow(TypeError);
      return undefined;
    });
    await t.start();
  });

  it('list -v declares arrays as C does (char rwbs[8]), the same lines as bpftrace -lv', async () => {
    const points = (await listProbePoints(['tracepoint:raw_syscalls:sys_enter'], { verbose: true })).points;
    expect(points[0]?.args).toContain('unsigned long args[6]');
    if (!haveBpftrace()) return;
    for (const tp of ['tracepoint:raw_syscalls:sys_enter', 'tracepoint:sock:inet_sock_set_state']) {
      const ours = (await listProbePoints([tp], { verbose: true })).points[0]?.args ?? [];
      const theirs = spawnSync(BPFTRACE as string, ['-lv', tp], { encoding: 'utf8' })
        .stdout.split('\n')
        .slice(1)
        .map((l) => l.trim().replace(/;$/, ''))
        .filter(Boolean);
      expect(ours).toEqual(theirs);
    }
  });

  it('addresses as ntop(): IPv4 and IPv6 loopback connections, the same lines as bpftrace', async () => {
    using t = new Tracer();
    const ours: string[] = [];
    t.probe('tracepoint:sock:inet_sock_set_state', (p) => {
      p.filter(p.arg('newstate').eq(1)); // TCP_ESTABLISHED
      return p.emit({
        family: p.arg('family'),
        s4: p.arg('saddr').ntop(),
        d4: p.arg('daddr').ntop(),
        s6: p.arg('saddr_v6').ntop(),
        d6: p.arg('daddr_v6').ntop(),
        sport: p.arg('sport'),
        dport: p.arg('dport'),
      });
    }).on((e) => {
      const v6 = e.family === 10;
      ours.push(`${v6 ? e.s6 : e.s4} ${e.sport} ${v6 ? e.d6 : e.d4} ${e.dport}`);
    });
    await t.start();
    if (haveBpftrace()) {
      let ports: { server: number; client: number }[] = [];
      const bt = await bpftrace(
        'tracepoint:sock:inet_sock_set_state /args->newstate == 1/ { if (args->family == 10) { printf("%s %d %s %d\\n", ntop(args->saddr_v6), args->sport, ntop(args->daddr_v6), args->dport); } else { printf("%s %d %s %d\\n", ntop(args->saddr), args->sport, ntop(args->daddr), args->dport); } }',
        async () => {
          ports = [await connectOnce('127.0.0.1'), await connectOnce('::1')];
        },
      );
      const mine = new Set(ports.flatMap((p) => [p.server, p.client]).map(String));
      const theirs = bt.stdout.split('\n').filter((l) => mine.has(l.split(' ')[1] as string));
      t.drain();
      const ourMine = ours.filter((l) => mine.has(l.split(' ')[1] as string));
      expect(ourMine.some((l) => l.startsWith('127.0.0.1 '))).toBe(true);
      expect(ourMine.some((l) => l.startsWith('::1 '))).toBe(true);
      expect(new Set(ourMine)).toEqual(new Set(theirs));
      return;
    }
    await connectOnce('127.0.0.1');
    await connectOnce('::1');
    t.drain();
    expect(ours.some((l) => l.startsWith('127.0.0.1 '))).toBe(true);
    expect(ours.some((l) => /^::1 \d+ ::1 /.test(l))).toBe(true);
  });
});
