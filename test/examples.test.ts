// Every example in examples/ runs as a user runs it (the built file, `node dist/examples/X.js`,
// importing 'tsbpf' by its package name) while the test does what the example should see; the
// output is checked against what the test did. fsdist needs kprobes or fentry: the VM suite runs
// it (test/vm/probes.vm.test.ts), along with unlink on real kprobes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { TestCgroup } from './support/cgroup.js';
import { runChild } from './support/child.js';
import { kernelDescribe } from './support/kernel.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const example = (name: string) => join(root, 'dist/examples', `${name}.js`);
const node = (name: string, args: string[], opts: Parameters<typeof runChild>[2]) =>
  runChild(process.execPath, [example(name), ...args], { cwd: tmpdir(), ...opts });

kernelDescribe('examples', ['tracepoints', 'uprobes', 'ringbuf', 'test_run', 'btf'], () => {
  it('packet-counter: counts what BPF_PROG_TEST_RUN fed it, per protocol', () => {
    const out = execFileSync(process.execPath, [example('packet-counter')], { encoding: 'utf8' });
    // 5 TCP frames of 14+20+40 bytes, 3 UDP of 14+20+100, 2 ICMP of 14+20+64, 1 ARP of 14+28.
    const rows = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .map(([name, packets, bytes]) => [name, [Number(packets), Number(bytes)]]),
    );
    expect(rows).toEqual({ tcp: [5, 370], udp: [3, 402], icmp: [2, 196], other: [1, 62] });
  });

  it('unlink: each file the test removes, with the result (a fallback here, said in one line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ex-unlink-'));
    try {
      const run = await node('unlink', ['--duration', '2'], {
        ready: /tracing do_unlinkat/,
        during: () => {
          for (const f of ['a', 'b']) writeFileSync(join(dir, f), 'x');
          execFileSync('rm', ['-f', join(dir, 'a'), join(dir, 'b')]);
          spawnSync('rm', [join(dir, 'missing')]);
        },
      });
      expect(run.code).toBe(0);
      const rows = run.stdout.split('\n').filter((l) => l.includes(dir));
      expect(rows.map((l) => l.trim().split(/\s+/).slice(1))).toEqual([
        ['rm', 'ok', join(dir, 'a')],
        ['rm', 'ok', join(dir, 'b')],
        ['rm', 'ENOENT', join(dir, 'missing')],
      ]);
      if (!existsSync('/sys/bus/event_source/devices/kprobe'))
        expect(run.stderr).toMatch(
          /^note: kprobe:do_unlinkat: using the sys_enter tracepoints of unlink, unlinkat \(flag without AT_REMOVEDIR\) instead/m,
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("getrandom: the test's own getrandom(2) calls, sizes and flags, and the per-command total", async () => {
    const sizes = [17, 33, 65];
    let pid = 0;
    // The interpreter itself, not a version manager's shell shim: a shim's start-up under load
    // can outlast the trace's duration.
    const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
    const run = await node('getrandom', ['--duration', '4'], {
      ready: /tracing getrandom/,
      during: () => {
        const r = spawnSync(python, [
          '-c',
          `import os; print(os.getpid(), flush=True); [os.getrandom(n) for n in ${JSON.stringify(sizes)}]; os.getrandom(9, os.GRND_NONBLOCK)`,
        ]);
        pid = Number(r.stdout.toString().trim());
      },
    });
    expect(run.code).toBe(0);
    const mine = run.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => Number(f[0]) === pid && f[1] === 'python3')
      .map((f) => `${f[2]} ${f[3]}`);
    // The interpreter's own start-up calls come first; the test's four are the last ones.
    expect(mine.slice(-4)).toEqual(['17 0', '33 0', '65 0', '9 NONBLOCK']);
    expect(run.stdout).toMatch(/bytes asked for, by command:[\s\S]*python3\s+\d+/);
  });

  it('readline: the lines typed into an interactive bash, from a uretprobe', async () => {
    const run = await node('readline', ['--duration', '3'], {
      ready: /tracing readline/,
      during: () =>
        // script(1) gives bash a terminal, so it reads commands with readline().
        spawnSync('script', ['-qc', 'bash --norc -i', '/dev/null'], {
          input: 'echo tsbpf-readline-1\ntrue tsbpf-readline-2\nexit\n',
          env: { ...process.env, HISTFILE: '/dev/null' },
        }),
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').map((l) => l.trim().replace(/^\d+\s+/, ''));
    expect(lines).toEqual(expect.arrayContaining(['echo tsbpf-readline-1', 'true tsbpf-readline-2', 'exit']));
  });

  it('load-object: a clang-built object, attached by section, with ringbuf events and a .bss counter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ex-obj-'));
    try {
      const run = await node('load-object', ['--duration', '2'], {
        ready: /streaming/,
        during: () => {
          for (const f of ['one', 'two', 'three']) {
            writeFileSync(join(dir, f), 'x');
            execFileSync('rm', [join(dir, f)]);
          }
        },
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('attached trace_unlinkat (tracepoint/syscalls/sys_enter_unlinkat)');
      const seen = [...run.stdout.matchAll(/unlinkat\(-100, "([^"]*)"\)/g)].map((m) => m[1]);
      expect(seen).toEqual(expect.arrayContaining(['one', 'two', 'three'].map((f) => join(dir, f))));
      const calls = Number(/calls counted in the kernel: (\d+)/.exec(run.stdout)?.[1]);
      // Every process's unlinkat counts (target_pid 0): at least the lines printed, never fewer.
      expect(calls).toBeGreaterThanOrEqual(
        run.stdout.split('\n').filter((l) => l.includes('unlinkat(')).length,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('service: /stats shows the files the server opened; SIGTERM ends it cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-ex-svc-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    let stats: { requests: number; opens: number; recentOpens: { file: string }[] } | undefined;
    let body = '';
    try {
      const run = await node('service', ['--root', dir], {
        ready: /listening on 127\.0\.0\.1:\d+/,
        stop: true,
        during: async (output) => {
          const port = /listening on 127\.0\.0\.1:(\d+)/.exec(output)?.[1];
          body = await (await fetch(`http://127.0.0.1:${port}/hello.txt`)).text();
          stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as typeof stats;
        },
      });
      expect(run.code).toBe(0);
      expect(body).toBe('hello\n');
      expect(stats?.requests).toBe(2);
      expect(stats?.recentOpens.map((o) => o.file)).toContain(join(dir, 'hello.txt'));
      expect(run.stdout).toMatch(/SIGTERM: shutting down\nclosed: 2 requests, \d+ opens seen/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sk-lookup: a connection to the steered port lands on the listener only while attached', () => {
    // In a network namespace of its own (the program sees every connection in its namespace).
    const out = execFileSync(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" "$1" 7007',
        process.execPath,
        example('sk-lookup'),
      ],
      { encoding: 'utf8' },
    );
    expect(out.replace(/listener on \d+/, 'listener on PORT')).toBe(
      'before: ECONNREFUSED\nattached: answered by the listener on PORT (local port 7007)\nafter: ECONNREFUSED\n',
    );
  });

  it('self-profile: the service serves its own flame graph, burnCpu in it, over HTTP', async () => {
    let svg = '';
    let folded = '';
    const run = await runChild(
      process.execPath,
      ['--perf-basic-prof', '--interpreted-frames-native-stack', example('self-profile')],
      {
        cwd: tmpdir(),
        ready: /listening on http:\/\/127\.0\.0\.1:\d+/,
        stop: true,
        during: async (output) => {
          const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
          // A profile while the service works: it samples this very process burning CPU. The work
          // goes on until the profile is back (slices of 10 ms; the server answers in between).
          const got = fetch(`${base}/profile.svg?seconds=2`);
          let done = false;
          const busy = (async () => {
            while (!done) await (await fetch(`${base}/work?ms=200`)).text();
          })();
          const res = await got;
          expect(res.headers.get('content-type')).toBe('image/svg+xml');
          svg = await res.text();
          const f = fetch(`${base}/profile.folded?seconds=1`);
          folded = await (await f).text();
          done = true;
          await busy;
        },
      },
    );
    expect(run.code).toBe(0);
    expect(svg).toMatch(/^<\?xml/);
    expect(svg).toMatch(/<title>burnCpu [^<]*\(\d+ samples, \d+\.\d+%\)<\/title>/);
    // The SVG's 2 s profile ran while the service worked: burnCpu holds most of its samples (the
    // frame titles give each frame's share). The 1 s folded profile that follows may catch the
    // service between requests on a loaded machine, so of it only the format is checked.
    const shares = [...svg.matchAll(/<title>burnCpu [^<]*\(\d+ samples, (\d+\.\d+)%\)<\/title>/g)];
    expect(shares.reduce((n, m) => n + Number(m[1]), 0)).toBeGreaterThan(50);
    const lines = folded.trim().split('\n');
    for (const l of lines) expect(l).toMatch(/^node;\S.* \d+$/);
    expect(lines.reduce((n, l) => n + Number(l.split(' ').pop()), 0)).toBeGreaterThan(0);
  });
});

kernelDescribe('examples: cgroup-meter', ['cgroup2'], () => {
  it('cgroup-meter: the packets and bytes each cgroup below --cgroup sent, exactly', async () => {
    const top = new TestCgroup('meter');
    const a = new TestCgroup('a', top.path);
    const b = new TestCgroup('b', top.path);
    const send = (count: number, size: number) => `
      const s = require('dgram').createSocket('udp4');
      let left = ${count};
      for (let i = 0; i < ${count}; i++)
        s.send(Buffer.alloc(${size}), 9, '127.0.0.1', () => { if (--left === 0) { s.close(); console.log('{}'); } });`;
    try {
      const run = await node('cgroup-meter', ['--cgroup', top.path], {
        ready: /metering bytes sent per cgroup/,
        stop: true,
        during: async () => {
          expect((await a.run(send(3, 100))).code).toBe(0);
          expect((await b.run(send(2, 10))).code).toBe(0);
        },
      });
      expect(run.code, run.stderr).toBe(0);
      const mount = cgroupMountOf(top.path);
      const rows = run.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/));
      // IPv4 + UDP headers (28 bytes) on each datagram.
      expect(rows).toEqual([
        [a.path.slice(mount.length), '3', String(3 * 128)],
        [b.path.slice(mount.length), '2', String(2 * 38)],
      ]);
    } finally {
      a.remove();
      b.remove();
      top.remove();
    }
  });
});

/** The cgroup2 mount a test cgroup is under. */
function cgroupMountOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
