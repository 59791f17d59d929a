// Each cgroup hook family on the real kernel, with a child process moved into a test cgroup doing
// the real thing: socket creation denied (EPERM in the child) and releases counted; connect4 and
// sendmsg4 rewriting the destination port (the connection and the datagram land on the rewritten
// port); a sysctl write denied; opening /dev/null denied (no mknod needed); get/setsockopt
// intercepted; sockops seeing the TCP handshake of both ends.

import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { attachCgroup, BpfMap, type CgroupHook, Program, type ProgramTypeName } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestCgroup } from '../support/cgroup.js';
import { kernelDescribe } from '../support/kernel.js';

/** Loads `text` as a program for `hook`, with a u64 array `counts` (16 slots) it may use. */
function load(type: ProgramTypeName, hook: CgroupHook, text: string) {
  const counts = BpfMap.create({ type: 'array', key: 4, value: 8, maxEntries: 16 } as never);
  try {
    const prog = Program.load({
      type,
      expectedAttachType: hook,
      instructions: assemble(text).instructions,
      maps: { counts },
    });
    return {
      prog,
      count: (i: number) => {
        const key = Buffer.alloc(4);
        key.writeUInt32LE(i);
        return Buffer.from(counts.get(key as never) as unknown as Uint8Array).readBigUInt64LE(0);
      },
      [Symbol.dispose]: () => {
        prog.close();
        counts.close();
      },
    };
  } catch (err) {
    counts.close();
    throw err;
  }
}

/** Adds 1 to counts[r2] (r2 < 16); ends with the program's verdict in r0. */
const COUNT_R2 = (verdict: number) => `
    if r2 > 15 goto out
    *(u32 *)(r10 - 4) = r2
    r2 = r10
    r2 += -4
    r1 = counts ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
  out:
    r0 = ${verdict}
    exit`;

const htons = (port: number) => ((port & 0xff) << 8) | (port >> 8);

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

kernelDescribe('cgroup hooks with a process in a test cgroup', ['cgroup2'], () => {
  let cg: TestCgroup;
  beforeAll(() => {
    cg = new TestCgroup('hooks');
  });
  afterAll(() => cg?.remove());

  it('sock_create denies creating a socket (EPERM in the child); sock_release counts releases', async () => {
    {
      using deny = load('cgroup_sock', 'cgroup_inet_sock_create', 'r0 = 0\nexit');
      using _link = attachCgroup(deny.prog, cg.path, { attachType: 'cgroup_inet_sock_create' });
      const run = await cg.run(`
        const s = require('dgram').createSocket('udp4');
        s.on('error', (e) => console.log(JSON.stringify({ code: e.code })));
        s.bind(0, () => console.log(JSON.stringify({ code: 'bound' })));`);
      expect(run.out, run.stderr).toEqual({ code: 'EPERM' });
    }
    // family == AF_INET (bpf_sock.family at 4): count in slot 0.
    const inet4 = `
      r2 = *(u32 *)(r1 + 4)
      if r2 != 2 goto skip
      r2 = 0
      ${COUNT_R2(1)}
    skip:
      r0 = 1
      exit`;
    using created = load('cgroup_sock', 'cgroup_inet_sock_create', inet4);
    using released = load('cgroup_sock', 'cgroup_inet_sock_release', inet4);
    using _c = attachCgroup(created.prog, cg.path, { attachType: 'cgroup_inet_sock_create' });
    using _r = attachCgroup(released.prog, cg.path, { attachType: 'cgroup_inet_sock_release' });
    const run = await cg.run(`
      const dgram = require('dgram');
      let left = 4;
      const one = (type) => { const s = dgram.createSocket(type); s.bind(0, () => s.close(() => { if (--left === 0) console.log(JSON.stringify({ closed: 4 })); })); };
      one('udp4'); one('udp4'); one('udp4'); one('udp6');`);
    expect(run.out, run.stderr).toEqual({ closed: 4 });
    expect(created.count(0)).toBe(3n); // the udp6 socket is AF_INET6: not counted
    expect(released.count(0)).toBe(3n);
  });

  it('connect4 rewrites the destination port: the connection lands on the rewritten port', async () => {
    const decoy = createServer((s) => s.destroy());
    const real = createServer();
    let decoyHits = 0;
    decoy.on('connection', () => decoyHits++);
    const received = new Promise<string>((resolve) =>
      real.on('connection', (s) => {
        let data = '';
        s.on('data', (d) => {
          data += d;
        });
        s.on('end', () => resolve(data));
      }),
    );
    try {
      const [asked, rewritten] = [await listen(decoy), await listen(real)];
      using p = load(
        'cgroup_sock_addr',
        'cgroup_inet4_connect',
        `
        r2 = *(u32 *)(r1 + 24)
        if r2 != ${htons(asked)} goto out
        r2 = ${htons(rewritten)}
        *(u32 *)(r1 + 24) = r2
        r2 = 0
        ${COUNT_R2(1)}`,
      );
      using _link = attachCgroup(p.prog, cg.path, { attachType: 'cgroup_inet4_connect' });
      const run = await cg.run(
        `
        const s = require('net').connect(Number(process.env.PORT), '127.0.0.1', () => {
          const port = s.remotePort;
          s.end('hello from the cgroup', () => console.log(JSON.stringify({ port })));
        });
        s.on('error', (e) => console.log(JSON.stringify({ error: e.code })));`,
        { PORT: String(asked) },
      );
      expect(run.out, run.stderr).toEqual({ port: rewritten });
      expect(await received).toBe('hello from the cgroup');
      expect(decoyHits).toBe(0);
      expect(p.count(0)).toBe(1n);
    } finally {
      decoy.close();
      real.close();
    }
  });

  it('sendmsg4 rewrites a datagram’s destination port: it arrives on the rewritten port', async () => {
    const decoy = createSocket('udp4');
    const real = createSocket('udp4');
    const bind = (s: ReturnType<typeof createSocket>) =>
      new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));
    let decoyHits = 0;
    decoy.on('message', () => decoyHits++);
    const got = new Promise<string>((resolve) => real.on('message', (m) => resolve(String(m))));
    try {
      const [asked, rewritten] = [await bind(decoy), await bind(real)];
      using p = load(
        'cgroup_sock_addr',
        'cgroup_udp4_sendmsg',
        `
        r2 = *(u32 *)(r1 + 24)
        if r2 != ${htons(asked)} goto out
        r2 = ${htons(rewritten)}
        *(u32 *)(r1 + 24) = r2
        r2 = 0
        ${COUNT_R2(1)}`,
      );
      using _link = attachCgroup(p.prog, cg.path, { attachType: 'cgroup_udp4_sendmsg' });
      const run = await cg.run(
        `
        const s = require('dgram').createSocket('udp4');
        s.send('datagram', Number(process.env.PORT), '127.0.0.1', (e) => { s.close(); console.log(JSON.stringify({ sent: !e })); });`,
        { PORT: String(asked) },
      );
      expect(run.out, run.stderr).toEqual({ sent: true });
      expect(await got).toBe('datagram');
      expect(decoyHits).toBe(0);
      expect(p.count(0)).toBe(1n);
    } finally {
      decoy.close();
      real.close();
    }
  });

  it('sysctl denies a write (reads still work); after close() the same write goes through', async () => {
    const WRITE = `
      const fs = require('fs'), p = '/proc/sys/net/core/somaxconn';
      const v = fs.readFileSync(p, 'utf8');
      let code = 'written';
      try { fs.writeFileSync(p, v); } catch (e) { code = e.code; }
      console.log(JSON.stringify({ read: /^\\d+\\n$/.test(v), code }));`;
    using p = load(
      'cgroup_sysctl',
      'cgroup_sysctl',
      `
      r2 = *(u32 *)(r1 + 0)
      if r2 == 0 goto allow
      r0 = 0
      exit
    allow:
      r0 = 1
      exit`,
    );
    const link = attachCgroup(p.prog, cg.path);
    try {
      const run = await cg.run(WRITE);
      expect(run.out, run.stderr).toEqual({ read: true, code: 'EPERM' });
    } finally {
      link.close();
    }
    const after = await cg.run(WRITE); // the same value written back: changes nothing
    expect(after.out, after.stderr).toEqual({ read: true, code: 'written' });
  });

  it('device denies opening /dev/null (char 1:3) and allows /dev/zero (char 1:5)', async () => {
    using p = load(
      'cgroup_device',
      'cgroup_device',
      `
      r2 = *(u32 *)(r1 + 4)
      r3 = *(u32 *)(r1 + 8)
      r0 = 1
      if r2 != 1 goto out
      if r3 != 3 goto out
      r0 = 0
    out:
      exit`,
    );
    using _link = attachCgroup(p.prog, cg.path, { attachType: 'cgroup_device' });
    const run = await cg.run(`
      const fs = require('fs');
      const open = (path) => { try { fs.closeSync(fs.openSync(path, 'r')); return 'opened'; } catch (e) { return e.code; } };
      console.log(JSON.stringify({ null: open('/dev/null'), zero: open('/dev/zero') }));`);
    expect(run.out, run.stderr).toEqual({ null: 'EPERM', zero: 'opened' });
  });

  it('getsockopt answers SO_RCVBUF with its own value; setsockopt denies SO_BROADCAST', async () => {
    using get = load(
      'cgroup_sockopt',
      'cgroup_getsockopt',
      `
      r2 = *(u32 *)(r1 + 24)
      if r2 != 1 goto out
      r2 = *(u32 *)(r1 + 28)
      if r2 != 8 goto out
      r2 = *(u64 *)(r1 + 8)
      r3 = *(u64 *)(r1 + 16)
      r4 = r2
      r4 += 4
      if r4 > r3 goto out
      r4 = 12345
      *(u32 *)(r2 + 0) = r4
      r4 = 4
      *(u32 *)(r1 + 32) = r4
      r4 = 0
      *(u32 *)(r1 + 36) = r4
    out:
      r0 = 1
      exit`,
    );
    using set = load(
      'cgroup_sockopt',
      'cgroup_setsockopt',
      `
      r0 = 1
      r2 = *(u32 *)(r1 + 24)
      if r2 != 1 goto out
      r2 = *(u32 *)(r1 + 28)
      if r2 != 6 goto out
      r0 = 0
    out:
      exit`,
    );
    using _g = attachCgroup(get.prog, cg.path, { attachType: 'cgroup_getsockopt' });
    using _s = attachCgroup(set.prog, cg.path, { attachType: 'cgroup_setsockopt' });
    const run = await cg.run(`
      const s = require('dgram').createSocket('udp4');
      s.bind(0, '127.0.0.1', () => {
        const rcvbuf = s.getRecvBufferSize();
        let broadcast = 'set';
        try { s.setBroadcast(true); } catch (e) { broadcast = e.code; }
        let ttl = 'set';
        try { s.setTTL(9); } catch (e) { ttl = e.code; }
        s.close();
        console.log(JSON.stringify({ rcvbuf, broadcast, ttl }));
      });`);
    expect(run.out, run.stderr).toEqual({ rcvbuf: 12345, broadcast: 'EPERM', ttl: 'set' });
  });

  it('sockops sees the TCP handshake: connect, active and passive established once each', async () => {
    using p = load('sock_ops', 'cgroup_sock_ops', `r2 = *(u32 *)(r1 + 0)\n${COUNT_R2(1)}`);
    using _link = attachCgroup(p.prog, cg.path);
    const run = await cg.run(`
      const net = require('net');
      const server = net.createServer((s) => s.on('data', () => s.end()));
      server.listen(0, '127.0.0.1', () => {
        const c = net.connect(server.address().port, '127.0.0.1', () => c.write('x'));
        c.on('close', () => { server.close(); console.log(JSON.stringify({ done: true })); });
        c.resume();
      });`);
    expect(run.out, run.stderr).toEqual({ done: true });
    const [TCP_CONNECT, ACTIVE_ESTABLISHED, PASSIVE_ESTABLISHED] = [3, 4, 5];
    expect([p.count(TCP_CONNECT), p.count(ACTIVE_ESTABLISHED), p.count(PASSIVE_ESTABLISHED)]).toEqual([
      1n,
      1n,
      1n,
    ]);
  });
});
