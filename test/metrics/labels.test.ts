// Labels and sums as `tsbpf serve` reads them (the same Exporter, in-process): a process moved
// into a cgroup of the test's own shows that cgroup's path; the kernel stack's top frame is a
// symbol; an argument is a label; a sum of an argument equals the sum of what was passed.
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cgroup2Mount } from '../../src/metrics/cgroup-path.js';
import { parseServeConfig } from '../../src/metrics/config.js';
import { Exporter } from '../../src/metrics/exporter.js';
import { kernelDescribe } from '../support/kernel.js';
import { getppidCaller } from './servers.js';

kernelDescribe('serve labels', ['tracepoints'], () => {
  const mount = cgroup2Mount();
  it.skipIf(mount === undefined)(
    'cgroup path, kstack frame, an argument label, and a sum of an argument',
    async () => {
      const comm = `lab${process.pid}`.slice(0, 15);
      const config = parseServeConfig(
        'labels.yaml',
        `metrics:
  - name: lab_getppid
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [cgroup, kstack, comm]
    filter: { comm: ${comm} }
  - name: lab_getpgid_args
    probe: tracepoint:syscalls:sys_enter_getpgid
    aggregate: count
    labels: ['arg:pid']
    filter: { comm: ${comm} }
  - name: lab_getpgid_arg_sum
    probe: tracepoint:syscalls:sys_enter_getpgid
    aggregate: sum
    value: arg:pid
    filter: { comm: ${comm} }
`,
      );
      const cg = join(mount as string, `tsbpf-labels-${process.pid}`);
      mkdirSync(cg);
      const log: string[] = [];
      const exporter = new Exporter((l) => log.push(l));
      try {
        const r = await exporter.apply(config);
        expect(r.down, log.join('\n')).toEqual([]);
        // The caller moves itself into the cgroup, then calls getppid 4 times and getpgid(1..5).
        const caller = getppidCaller(4, comm);
        writeFileSync(join(cg, 'cgroup.procs'), String(caller.pid));
        await caller.go();
        const { spawnSync } = await import('node:child_process');
        const py = spawnSync('/usr/bin/python3', [
          '-c',
          `import ctypes,os\nctypes.CDLL(None).prctl(15, b"${comm}", 0, 0, 0)\nfor i in range(1, 6):\n  try: os.getpgid(i)\n  except OSError: pass`,
        ]);
        expect(py.status).toBe(0);
        const families = Object.fromEntries(exporter.families().map((f) => [f.name, f.samples]));
        const calls = families.lab_getppid_total ?? [];
        expect(calls).toHaveLength(1);
        expect(calls[0]?.value).toBe(4);
        expect(calls[0]?.labels.cgroup).toBe(`/tsbpf-labels-${process.pid}`);
        expect(calls[0]?.labels.kstack).toMatch(/^[A-Za-z_][\w.]*\+0x[0-9a-f]+$/);
        expect(calls[0]?.labels.comm).toBe(comm);
        const byArg = (families.lab_getpgid_args_total ?? []).map((s) => [s.labels.pid, s.value]).sort();
        expect(byArg).toEqual([
          ['1', 1],
          ['2', 1],
          ['3', 1],
          ['4', 1],
          ['5', 1],
        ]);
        expect(families.lab_getpgid_arg_sum_total?.map((s) => s.value)).toEqual([1 + 2 + 3 + 4 + 5]);
      } finally {
        exporter.close();
        rmdirSync(cg);
      }
    },
  );
});
