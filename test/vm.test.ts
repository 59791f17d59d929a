// The VM suite, run from the host suite: boots a qemu guest per kernel — Debian's stock 6.1
// (kprobes, kretprobes, tracefs kprobe_events, fentry — what this host's kernel lacks; no
// kprobe_multi) and Debian's 6.12 (kprobe_multi, uprobe_multi) — runs test/vm/**/*.vm.test.ts
// in each with vitest's JSON reporter, and declares one host test per guest test, titled with
// its kernel, so the guests' results count in this run's summary. Skipped (with the reason)
// where the VM cannot run; under TSBPF_REQUIRE_KERNEL=1 that is a failure instead.
// TSBPF_VM=0 skips it on purpose (it takes several minutes per kernel under TCG);
// TSBPF_VM_KERNELS=6.1 (or 6.12) runs one kernel only.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const MARK = '@@TSBPF-VM-REPORT@@';

/** The guest kernels: a title and the Debian package the runner boots (VM_KERNEL_PKG; none = its default, 6.1). */
const ALL_KERNELS = [
  { name: '6.1', pkg: undefined },
  { name: '6.12', pkg: 'linux-image-6.12.*+deb12-amd64-unsigned' },
] as const;
const wanted = process.env.TSBPF_VM_KERNELS?.split(',').map((k) => k.trim());
const KERNELS = ALL_KERNELS.filter((k) => !wanted || wanted.includes(k.name));

function whyNoVm(): string | undefined {
  if (process.env.TSBPF_VM === '0') return 'TSBPF_VM=0';
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `the VM runner needs x86_64 Linux (${process.platform}/${process.arch})`;
  if (process.getuid?.() !== 0) return 'the VM runner needs root';
  if (spawnSync('sh', ['-c', 'command -v qemu-system-x86_64']).status !== 0) {
    return 'qemu-system-x86_64 is not installed (test/vm/run-in-vm.sh true installs it)';
  }
  return undefined;
}

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled';
  failureMessages: string[];
}
interface Report {
  testResults: { name: string; message?: string; assertionResults: AssertionResult[] }[];
}

function runVm(pkg: string | undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const inner = [
    'node node_modules/vitest/vitest.mjs run --config test/vm/vitest.config.ts --reporter=json',
    '--outputFile="$VM_SCRATCH/report.json" >&2;',
    `echo; echo ${MARK}; cat "$VM_SCRATCH/report.json"`,
  ].join(' ');
  return new Promise((resolve) => {
    const child = spawn('test/vm/run-in-vm.sh', ['bash', '-c', inner], {
      cwd: root,
      env: {
        ...process.env,
        VM_TIMEOUT: process.env.VM_TIMEOUT ?? '1800',
        ...(pkg ? { VM_KERNEL_PKG: pkg } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const reason = whyNoVm();
if (reason !== undefined) {
  describe('VM suite', () => {
    if (process.env.TSBPF_REQUIRE_KERNEL === '1' && process.env.TSBPF_VM !== '0') {
      it('requires the VM (TSBPF_REQUIRE_KERNEL=1)', () => {
        throw new Error(`the VM suite cannot run: ${reason}`);
      });
    } else {
      it.skip(`skipped: ${reason}`, () => {});
    }
  });
} else {
  // One guest after the other: they would only compete for the same few cores.
  for (const kernel of KERNELS) {
    let run = await runVm(kernel.pkg);
    // Under TCG emulation (no KVM on the test host) a guest now and then dies before reporting:
    // node of SIGSEGV or SIGILL, or the guest kernel itself panics (seen once on 6.12: an int3 it
    // did not expect in syscall_trace_enter, in bpftrace's process, while the kernel was patching
    // its own text to switch a tracepoint). Neither is a result of a test, so boot again (twice at
    // most) and say what happened. A test that fails, or a third crash, is reported as it is.
    // bash reports it when vitest's own node dies; the MARK line is printed after it regardless.
    // The guest's console is shown only when it gave no status, so a panic is looked for only then.
    const crash = (r: typeof run) =>
      /Segmentation fault|Illegal instruction/.exec(r.stderr)?.[0] ??
      (r.stdout.includes(MARK) ? undefined : /\bOops: .*|Kernel panic - not syncing: .*/.exec(r.stderr)?.[0]);
    for (let retry = 0, why = crash(run); retry < 2 && why !== undefined; retry++, why = crash(run)) {
      process.stderr.write(
        `VM suite (${kernel.name}): the emulated guest crashed (${why}); running it once more\n`,
      );
      run = await runVm(kernel.pkg);
    }
    const at = run.stdout.lastIndexOf(MARK);
    let report: Report | undefined;
    let parseError = '';
    try {
      if (at >= 0) report = JSON.parse(run.stdout.slice(at + MARK.length)) as Report;
    } catch (err) {
      parseError = (err as Error).message;
    }
    describe(`VM suite (Debian ${kernel.name} under qemu)`, () => {
      if (!report) {
        it('boots the VM and runs the suite', () => {
          const tail = run.stderr.split('\n').slice(-40).join('\n');
          throw new Error(
            `no report from the VM (exit ${run.code}${parseError ? `, ${parseError}` : ''}):\n${tail}`,
          );
        });
        return;
      }
      for (const file of report.testResults) {
        const name = `[${kernel.name}] ${file.name.slice(file.name.indexOf('test/vm/'))}`;
        if (file.assertionResults.length === 0) {
          it(`${name} runs`, () => {
            throw new Error(file.message || 'the file ran no tests');
          });
        }
        for (const t of file.assertionResults) {
          const title = [name, ...t.ancestorTitles, t.title].join(' > ');
          if (t.status === 'passed') it(title, () => expect(t.status).toBe('passed'));
          else if (t.status === 'failed') {
            it(title, () => {
              throw new Error(t.failureMessages.join('\n') || 'failed in the VM');
            });
          } else it.skip(title, () => {});
        }
      }
    });
  }
}
