// Whole structs in records: `emit` of a struct (or `.object()`) copies its bytes and decodes them
// to a nested object — user memory (the sockaddr a connect(2) passes) and kernel memory (the
// pt_regs of tp_btf:sys_enter). Checked against bpftrace 0.17 reading the same members one by one
// (it crashes printing a whole struct), and against another view of the same syscall.
import { createServer, connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Emit, type ProbeContext, Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { bpftrace, haveBpftrace } from '../support/bpftrace.js';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

/** One TCP connection from this process to a fresh listener on `host`; returns its port. */
async function connectOnce(host: string): Promise<number> {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  const sock = tcpConnect(port, host);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  sock.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const htons = (port: number) => ((port & 0xff) << 8) | (port >> 8);

interface In4 {
  sin_family: number;
  sin_port: number;
  sin_addr: { s_addr: number };
  __pad: number[];
}
interface In6 {
  sin6_family: number;
  sin6_port: number;
  sin6_flowinfo: number;
  sin6_addr: { in6_u: { u6_addr8: number[]; u6_addr16: number[]; u6_addr32: number[] } };
  sin6_scope_id: number;
}

kernelDescribe('whole structs in records', ['tracepoints', 'ringbuf', 'btf', 'tp_btf'], () => {
  it("connect(2)'s sockaddr_in and sockaddr_in6 as nested objects: the members bpftrace reads", async () => {
    using t = new Tracer({ pid: process.pid });
    const ours: { v4: In4; v6: In6 }[] = [];
    t.probe('tracepoint:syscalls:sys_enter_connect', (p) => {
      const addr = p.arg('uservaddr');
      return p.emit({
        v4: addr.as('sockaddr_in', { user: true }).object(),
        v6: addr.as('struct sockaddr_in6', { user: true }).at(0), // a struct emits whole
      });
    }).on((e) => ours.push(e as never));
    await t.start();
    const ports: number[] = [];
    const workload = async () => {
      ports.push(await connectOnce('127.0.0.1'), await connectOnce('::1'));
    };
    let theirs: string[] | undefined;
    if (haveBpftrace()) {
      const bt = await bpftrace(
        `tracepoint:syscalls:sys_enter_connect /pid == ${process.pid}/ { $a = (struct sockaddr_in *)args->uservaddr; $b = (struct sockaddr_in6 *)args->uservaddr; if ($a->sin_family == 2) { printf("%d %d %u\\n", $a->sin_family, $a->sin_port, $a->sin_addr.s_addr); } else { printf("%d %d %s %u\\n", $b->sin6_family, $b->sin6_port, ntop($b->sin6_addr.in6_u.u6_addr8), $b->sin6_scope_id); } }`,
        workload,
      );
      expect(bt.code, bt.stderr).toBe(0);
      theirs = bt.stdout.split('\n').filter(Boolean);
    } else await workload();
    t.drain();
    const v4 = ours
      .map((e) => e.v4)
      .filter((a) => a.sin_family === 2 && a.sin_port === htons(ports[0] as number));
    const v6 = ours
      .map((e) => e.v6)
      .filter((a) => a.sin6_family === 10 && a.sin6_port === htons(ports[1] as number));
    expect(v4).toHaveLength(1);
    expect(v6).toHaveLength(1);
    // 127.0.0.1 in network order read as a little-endian u32; the padding is zeroes.
    expect(v4[0]).toEqual({
      sin_family: 2,
      sin_port: htons(ports[0] as number),
      sin_addr: { s_addr: 0x0100007f },
      __pad: [0, 0, 0, 0, 0, 0, 0, 0],
    });
    const a6 = v6[0] as In6;
    expect(a6.sin6_addr.in6_u.u6_addr8).toEqual([...Array(15).fill(0), 1]); // ::1
    expect(a6.sin6_addr.in6_u.u6_addr32).toEqual([0, 0, 0, 0x01000000]); // the union's other views
    expect(a6.sin6_scope_id).toBe(0);
    if (theirs) {
      const mine = [
        `2 ${v4[0]?.sin_port} ${v4[0]?.sin_addr.s_addr}`,
        `10 ${a6.sin6_port} ::1 ${a6.sin6_scope_id}`,
      ];
      for (const line of mine) expect(theirs).toContain(line);
    }
  });

  it("tp_btf:sys_enter's struct pt_regs (kernel memory): orig_ax is the syscall, si the path unlinkat got", async () => {
    using t = new Tracer({ comm: RM_COMM });
    const regs: { id: number; regs: Record<string, unknown> }[] = [];
    const own: bigint[] = [];
    t.probe('tp_btf:sys_enter', (p) => p.emit({ id: p.arg('id'), regs: p.arg('regs').object() })).on((e) =>
      regs.push(e as never),
    );
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ path: p.arg('pathname') })).on((e) =>
      own.push(e.path as bigint),
    );
    await t.start();
    removeFiles(2);
    t.drain();
    expect(own).toHaveLength(2);
    for (const r of regs) expect(r.regs.orig_ax).toBe(r.id);
    const unlinks = regs.filter((r) => r.id === 263); // __NR_unlinkat on x86-64
    expect(unlinks.map((r) => BigInt(r.regs.si as number))).toEqual(own);
    // Bitfields and anonymous unions decode too: a user task's code segment is __USER_CS (0x33).
    expect(unlinks[0]?.regs.cs).toBe(0x33);
  });

  it('trace prints a whole struct: -F %s as bpftrace prints one, --json as an object, --fields NAME:struct', async () => {
    const trace = async (args: string[]) => {
      const r = await runChild(process.execPath, [MAIN, 'trace', ...args, '-d', '20', '-n', '1'], {
        ready: /tracing /,
        during: () => connectOnce('127.0.0.1'),
      });
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n');
    };
    const pid = String(process.pid);
    const cast = '*(struct sockaddr_in *)args.uservaddr';
    const text = await trace(['tracepoint:syscalls:sys_enter_connect', '-p', pid, '-F', '%s', cast]);
    expect(text[0]).toMatch(
      /^\{ \.sin_family = 2, \.sin_port = \d+, \.sin_addr = \{ \.s_addr = 16777343 \}, \.__pad = \[0,0,0,0,0,0,0,0\] \}$/,
    );
    const json = await trace([
      'tracepoint:syscalls:sys_enter_connect',
      '-p',
      pid,
      '-F',
      '%s',
      cast,
      '--json',
    ]);
    const rec = JSON.parse(json[0] as string);
    expect(rec.values[cast]).toMatchObject({ sin_family: 2, sin_addr: { s_addr: 16777343 } });
    // tp_btf:sys_enter's typed pointer: the struct it points at, with --fields regs:struct.
    const regs = await trace(['tp_btf:sys_enter', '-p', pid, '--fields', 'regs:struct,id', '--json']);
    for (const line of regs) {
      const r = JSON.parse(line);
      expect(r.args.regs.orig_ax).toBe(r.args.id);
      expect(typeof r.args.regs.sp).toBe('number'); // present, decoded
    }
  });

  it('a struct over the size limit is refused with the limit named; object() checks its bound', async () => {
    const cases: [(p: ProbeContext) => Emit<unknown>, RegExp][] = [
      [
        (p) => p.emit({ me: p.task().at(0) }),
        /is a struct task_struct of \d+ bytes, over the 1024-byte limit/,
      ],
      [
        (p) => p.emit({ r: p.arg('regs').object({ max: 100000 }) }),
        /object\(\): max 100000 is not in 1\.\.16384/,
      ],
      [(p) => p.emit({ r: p.arg('id').object() }), /object\(\): '.*id' is not a struct or a pointer to one/],
    ];
    for (const [body, re] of cases) {
      using t = new Tracer();
      await expect(
        (async () => {
          t.probe('tp_btf:sys_enter', body);
          await t.start();
        })(),
      ).rejects.toThrow(re);
    }
  });
});
