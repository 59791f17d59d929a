// USDT probes on the real kernel, against what the traced programs did: the sdt fixture's typed
// arguments equal the values it passed (each int size, signed and unsigned, a negative, a string,
// from registers, the stack, globals and constants); its semaphores count attached tracers (its
// `if (enabled)` branch runs only while one is attached, and only in the attached pid);
// exactly N libstdcxx:throw events for a C++ program that throws N times; python3.11's
// function__entry names the called function and its file; and `tsbpf list` equals `bpftrace -l`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listProbePoints, Tracer, usdtProbes } from 'tsbpf';
import { beforeAll, describe, expect, it } from 'vitest';
import { BPFTRACE, haveBpftrace } from '../support/bpftrace.js';
import { kernelDescribe } from '../support/kernel.js';
import { runFixture, startWaiting, usdtFixtures, usdtFixturesMissing } from '../support/usdt-fixture.js';
import { kernelObjectFds } from './fds.js';

const PYTHON = '/usr/bin/python3.11';

function usdtDescribe(name: string, body: () => void): void {
  const missing = usdtFixturesMissing();
  if (missing === undefined) kernelDescribe(name, ['uprobes', 'ringbuf', 'btf'], body);
  else
    describe(name, () => {
      if (process.env.CI) it('needs the USDT fixtures', () => expect.fail(missing));
      else it.skip(`skipped: ${missing}`, () => {});
    });
}

usdtDescribe('USDT probes', () => {
  let fixture: string;
  let thrower: string;
  beforeAll(() => {
    ({ fixture, thrower } = usdtFixtures());
  });

  const VALUES = {
    s8: -5,
    u8: 250,
    s16: -1234,
    u16: 60000,
    s32: -123456,
    u32: 4000000000,
    s64: -1234567890123,
    u64hi: 0xfedcba98,
    u64lo: 0x76543210,
    str: 'hello usdt',
  };

  it('reads typed arguments from registers, the stack, globals and constants', async () => {
    const fds = kernelObjectFds();
    {
      using t = new Tracer();
      const got: Record<string, unknown> = {};
      for (const name of ['typed', 'stack']) {
        t.probe(`usdt:${fixture}:tsbpf:${name}`, (p) =>
          p.emit({
            s8: p.arg(0),
            u8: p.arg(1),
            s16: p.arg(2),
            u16: p.arg(3),
            s32: p.arg(4),
            u32: p.arg(5),
            s64: p.arg(6),
            u64hi: p.arg(7).shr(32),
            u64lo: p.arg(7).and(0xffffffff),
            str: p.arg(8).string(),
          }),
        ).on((e) => {
          got[name] = e;
        });
      }
      t.probe(`usdt:${fixture}:tsbpf:globals`, (p) =>
        p.emit({ s32: p.arg(0), hi: p.arg(1).shr(32), lo: p.arg(1).and(0xffffffff) }),
      ).on((e) => {
        got.globals = e;
      });
      t.probe(`usdt:${fixture}:tsbpf:consts`, (p) =>
        p.emit({ a: p.arg(0), b: p.arg(1), c: p.arg('arg2'), d: p.arg(3) }),
      ).on((e) => {
        got.consts = e;
      });
      await t.start();
      runFixture(fixture, ['0']);
      t.drain();
      expect(got).toEqual({
        typed: VALUES,
        stack: VALUES,
        globals: { s32: -123456, hi: 0xfedcba98, lo: 0x76543210 },
        consts: { a: -7, b: 200, c: -100000, d: 123456789012 },
      });
      expect(t.lost()).toBe(0);
    }
    expect(kernelObjectFds()).toEqual(fds);
  });

  it('raises the semaphore while attached: the fixture runs its guarded branch, then not again', async () => {
    expect(runFixture(fixture, ['0'])).toBe('guarded disabled\n');
    const seen: number[] = [];
    {
      using t = new Tracer();
      t.probe(`usdt:${fixture}:tsbpf:guarded`, (p) => p.emit({ v: p.arg(0).s32() })).on((e) =>
        seen.push(e.v),
      );
      await t.start();
      expect(runFixture(fixture, ['0'])).toBe('guarded enabled\n');
      t.drain();
    }
    expect(seen).toEqual([42]);
    expect(runFixture(fixture, ['0'])).toBe('guarded disabled\n');
  });

  it('with a pid, attaches to that process alone: only its semaphore is raised', async () => {
    const a = await startWaiting(fixture, ['7']);
    const b = await startWaiting(fixture, ['7']);
    using t = new Tracer({ pid: a.pid });
    t.probe(`usdt:${fixture}:tsbpf:guarded`, (p) => p.count('guarded'));
    t.probe(`usdt:${fixture}:tsbpf:tick`, (p) => p.count('ticks'));
    await t.start();
    expect(await a.go()).toBe('guarded enabled\n');
    expect(await b.go()).toBe('guarded disabled\n');
    expect(t.aggregation('guarded').total()).toBe(1);
    expect(t.aggregation('ticks').total()).toBe(7);
  });

  it('counts a probe fired N times, and a wildcard over all of them with per-site argument layouts', async () => {
    const N = 1000;
    const fds = kernelObjectFds();
    using t = new Tracer(); // closed below, and again (a no-op) at the end of the block
    t.probe(`usdt:${fixture}:tsbpf:tick`, (p) => {
      p.count('ticks');
      p.sum('tick_sum', p.arg(0));
    });
    // Seven probes, eight sites, eight argument layouts: arg0 is read through the attachment's cookie.
    t.probe(`usdt:${fixture}:tsbpf:*`, (p) => {
      p.count('all');
      p.sum('arg0_sum', p.arg(0));
    });
    await t.start();
    runFixture(fixture, [String(N)]);
    expect(t.aggregation('ticks').total()).toBe(N);
    expect(t.aggregation('tick_sum').total()).toBe((N * (N - 1)) / 2);
    expect(t.aggregation('all').total()).toBe(N + 7);
    // typed -5, stack -5, twice -123456 twice, globals -123456, consts -7, guarded 42, the ticks.
    expect(t.aggregation('arg0_sum').total()).toBe(-5 - 5 - 3 * 123456 - 7 + 42 + (N * (N - 1)) / 2);
    // One link per probe closes the uprobes of all its sites.
    t.close();
    expect(kernelObjectFds()).toEqual(fds);
    expect(runFixture(fixture, ['0'])).toBe('guarded disabled\n');
  });

  it('attaches every site of a probe, each read with its own argument layout', async () => {
    const sites = usdtProbes(fixture).filter((p) => p.name === 'twice');
    expect(sites.map((s) => s.argText).sort()).toEqual(['-4@%eax', '-4@-12(%rbp)']);
    using t = new Tracer();
    const seen: number[] = [];
    t.probe(`usdt:${fixture}:tsbpf:twice`, (p) => p.emit({ v: p.arg(0).s32() })).on((e) => seen.push(e.v));
    await t.start();
    runFixture(fixture, ['0']);
    t.drain();
    expect(seen).toEqual([-123456, -123456]);
  });

  it('sees exactly N libstdcxx:throw and catch events of a C++ program that throws N times', async () => {
    const N = 250;
    const run = await startWaiting(thrower, [String(N)]);
    const other = await startWaiting(thrower, ['3']);
    using t = new Tracer();
    t.probe('usdt:libstdc++.so.6:libstdcxx:throw', (p) => p.count('throw', p.pid()));
    t.probe('usdt:libstdc++.so.6:libstdcxx:catch', (p) => p.count('catch', p.pid()));
    await t.start();
    expect(await run.go()).toBe(`caught ${N}\n`);
    expect(await other.go()).toBe('caught 3\n');
    const by = (name: string) =>
      new Map(
        t
          .aggregation(name)
          .entries()
          .map((e) => [e.key, e.value]),
      );
    expect(by('throw').get(run.pid)).toBe(N);
    expect(by('catch').get(run.pid)).toBe(N);
    expect(by('throw').get(other.pid)).toBe(3);
  });

  it('attaches a shared library for one pid: only its events are counted', async () => {
    const a = await startWaiting(thrower, ['40']);
    const b = await startWaiting(thrower, ['40']);
    using t = new Tracer({ pid: a.pid });
    // The tracer also filters by pid in the program; the semaphore test above shows the attach
    // itself is per process.
    t.probe('usdt:libstdc++.so.6:libstdcxx:throw', (p) => p.count('throw', p.pid()));
    await t.start();
    await a.go();
    await b.go();
    expect([...t.aggregation('throw').entries()].map((e) => [e.key, e.value])).toEqual([[a.pid, 40]]);
  });

  it("python3.11's function__entry gives the called function's name, file and line", async (ctx) => {
    if (!existsSync(PYTHON) || usdtProbes(PYTHON).length === 0) {
      if (process.env.CI) expect.fail(`${PYTHON} with USDT probes is missing`);
      return ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-usdt-py-'));
    const script = join(dir, 'marked.py');
    // 3.11 fires function__entry for frames it enters through the profiling path (or from C):
    // a profile function makes every Python call go that way.
    writeFileSync(
      script,
      'import sys\nsys.setprofile(lambda *a: None)\n\ndef tsbpf_marked(x):\n    return x\n\nfor i in range(3):\n    tsbpf_marked(i)\n',
    );
    try {
      using t = new Tracer();
      const calls: { file: string; fn: string; line: number }[] = [];
      t.probe(`usdt:${PYTHON}:python:function__entry`, (p) => {
        p.filter(p.arg(1).string().eq('tsbpf_marked'));
        return p.emit({ file: p.arg(0).string(), fn: p.arg(1).string(), line: p.arg(2).s32() });
      }).on((e) => calls.push(e));
      await t.start();
      execFileSync(PYTHON, [script]);
      t.drain();
      expect(calls).toEqual(Array.from({ length: 3 }, () => ({ file: script, fn: 'tsbpf_marked', line: 4 })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the probes of a library, a program and the fixture as bpftrace -l does', async () => {
    if (!haveBpftrace()) return;
    const targets = [fixture, PYTHON, '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'].filter((p) =>
      existsSync(p),
    );
    for (const path of targets) {
      // Quoted: bpftrace's lexer reads `++` in a bare path as an operator.
      const oracle = execFileSync(BPFTRACE as string, ['-l', `usdt:"${path}":*`], { encoding: 'latin1' })
        .split('\n')
        .filter((l) => l.startsWith('usdt:'));
      const ours = (await listProbePoints([`usdt:${path}:*`])).points.map((p) => p.probe);
      expect(ours, path).toEqual([...new Set(oracle)].sort());
      expect(ours.length).toBeGreaterThan(0);
    }
    // -v: the argument specs beside their types.
    const [throwPoint] = (await listProbePoints(['usdt:libstdc++.so.6:libstdcxx:throw'], { verbose: true }))
      .points;
    const notes = usdtProbes('libstdc++.so.6').find((p) => p.name === 'throw');
    expect(throwPoint?.args).toEqual(
      notes?.args.map((a, i) => `${a.signed ? 's' : 'u'}${a.size * 8} arg${i} (${a.text})`),
    );
  });
});
