// Wildcard probes on the real kernel (this host: uprobes and tracepoints; kprobe wildcards run in
// the VM suite): a target program the test builds calls mt_alpha N times, mt_beta 2N and
// mt_gamma 3N, and makes N getppid and 2N getpid system calls; every count must be exactly that.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeUprobeMulti, Tracer, WildcardError } from 'tsbpf';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const N = 37;
let dir: string;
let target: string;

/** Starts the target (it waits for a line); `go()` lets it run and resolves when it exits. */
function startTarget(): { pid: number; go(): Promise<void> } {
  const child = spawn(target, [String(N)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`multi_target exited ${code}`)))),
  );
  return {
    pid: child.pid as number,
    async go() {
      child.stdin.end('go\n');
      await exited;
    },
  };
}

/** Counts of `spec` by p.func() for the target's one run. */
async function countByFunc(
  spec: string,
  opts: { multiLinks?: boolean; maxProbes?: number } = {},
): Promise<{ counts: Map<string, number>; mode: string | undefined; notes: string[] }> {
  const t = startTarget();
  const notes: string[] = [];
  using tracer = new Tracer({ pid: t.pid, ...opts, onFallback: (m) => notes.push(m) });
  const probe = tracer.probe(spec, (p) => p.count('calls', p.func()));
  await tracer.start();
  await t.go();
  const counts = new Map(
    tracer
      .aggregation<string>('calls')
      .entries()
      .map((e) => [e.key, e.value] as const),
  );
  return { counts, mode: probe.wildcard?.mode, notes };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `tsbpf-wildcard-${process.pid}-`));
  target = join(dir, 'multi_target');
  const src = fileURLToPath(new URL('../fixtures/probes/multi_target.c', import.meta.url));
  execFileSync('gcc', ['-O2', '-o', target, src]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

kernelDescribe('wildcard uprobes', ['uprobes', 'ringbuf'], () => {
  const expected = new Map([
    ['mt_alpha', N],
    ['mt_beta', 2 * N],
    ['mt_gamma', 3 * N],
  ]);

  it('uprobe:BIN:mt_* counts each function exactly, by the name its cookie gives (uprobe_multi where the kernel has it)', async () => {
    const multi = probeUprobeMulti().supported;
    const { counts, mode } = await countByFunc(`uprobe:${target}:mt_*`);
    expect(mode).toBe(multi ? 'multi' : 'cookies');
    expect(counts).toEqual(expected);
  });

  it('one link per function (multiLinks: false) gives the same counts', async () => {
    const { counts, mode } = await countByFunc(`uprobe:${target}:mt_*`, { multiLinks: false });
    expect(mode).toBe('cookies');
    expect(counts).toEqual(expected);
  });

  it('uretprobe wildcards and p.probe() name the whole point', async () => {
    const t = startTarget();
    using tracer = new Tracer({ pid: t.pid });
    tracer.probe(`uretprobe:${target}:mt_[ab]*`, (p) => p.count('calls', p.probe()));
    await tracer.start();
    await t.go();
    const got = new Map(
      tracer
        .aggregation<string>('calls')
        .entries()
        .map((e) => [e.key, e.value]),
    );
    expect(got).toEqual(
      new Map([
        [`uretprobe:${target}:mt_alpha`, N],
        [`uretprobe:${target}:mt_beta`, 2 * N],
      ]),
    );
  });

  it('a pattern matching more points than the limit fails, asking for --max', async () => {
    using tracer = new Tracer({ maxProbes: 2 });
    tracer.probe(`uprobe:${target}:mt_*`, (p) => p.count('calls'));
    const err = await tracer.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WildcardError);
    expect((err as Error).message).toBe(
      `uprobe:${target}:mt_*: matches 3 probe points, more than the limit of 2: pass --max 3 (maxProbes) to attach them all`,
    );
  });

  it('a pattern matching nothing fails with one line', async () => {
    using tracer = new Tracer();
    tracer.probe(`uprobe:${target}:no_such_*`, (p) => p.count('calls'));
    await expect(tracer.start()).rejects.toThrow(/matches no probe point/);
  });
});

kernelDescribe('wildcard tracepoints', ['tracepoints', 'ringbuf'], () => {
  it('sys_enter_* per-syscall counts equal the same syscalls probed one by one, and the known workload', async () => {
    const t = startTarget();
    using tracer = new Tracer({ pid: t.pid });
    const wild = tracer.probe('tracepoint:syscalls:sys_enter_*', (p) => p.count('all', p.func()));
    const single = ['getppid', 'getpid', 'write', 'exit_group'];
    for (const s of single) tracer.probe(`tracepoint:syscalls:sys_enter_${s}`, (p) => p.count(`one_${s}`));
    await tracer.start();
    await t.go();
    expect(wild.wildcard?.mode).toBe('programs');
    const all = new Map(
      tracer
        .aggregation<string>('all')
        .entries()
        .map((e) => [e.key, e.value]),
    );
    for (const s of single)
      expect(`${s}: ${all.get(`syscalls:sys_enter_${s}`)}`).toBe(
        `${s}: ${tracer.aggregation(`one_${s}`).total()}`,
      );
    expect(all.get('syscalls:sys_enter_getppid')).toBe(N);
    expect(all.get('syscalls:sys_enter_getpid')).toBe(2 * N);
    expect(all.get('syscalls:sys_enter_exit_group')).toBe(1);
  });
});
