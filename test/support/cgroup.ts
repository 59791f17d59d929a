// A cgroup v2 directory of a test's own (uniquely named, under the cgroup2 mount) and a way to run
// a Node child process inside it: the child moves itself in before Node starts (`echo $$ >
// cgroup.procs; exec node`), does its socket/file/sysctl work, and prints one JSON line. remove()
// waits for the cgroup to empty (an exited child leaves it a moment later) and removes it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Mount } from 'tsbpf';

let made = 0;

export interface CgroupChild {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The child's last stdout line, parsed as JSON. */
  out: Record<string, unknown>;
}

export class TestCgroup {
  readonly path: string;
  /** Its id as BPF helpers see it (the directory's inode number). */
  readonly id: bigint;

  constructor(tag: string) {
    const mount = cgroup2Mount();
    if (!mount) throw new Error('cgroup v2 is not mounted');
    this.path = join(mount, `tsbpf-test-${tag}-${process.pid}-${++made}`);
    mkdirSync(this.path);
    this.id = statSync(this.path, { bigint: true }).ino;
  }

  /** Runs `script` (CommonJS, `node -e`) in a child inside this cgroup; resolves when it exits. */
  run(script: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CgroupChild> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        'sh',
        ['-c', 'echo $$ > "$1/cgroup.procs" && exec "$2" -e "$3"', 'sh', this.path, process.execPath, script],
        { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } },
      );
      child.stdin.end();
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        const last = stdout.trim().split('\n').pop() ?? '';
        let out: Record<string, unknown> = {};
        try {
          out = JSON.parse(last);
        } catch {
          // no JSON: the caller sees code and stderr
        }
        resolve({ code, stdout, stderr, out });
      });
    });
  }

  /** The programs bpftool lists on this cgroup (an outside view of what is attached). */
  attached(bpftool: string): { id: number; attach_type: string }[] {
    const text = execFileSync(bpftool, ['-j', 'cgroup', 'show', this.path], { encoding: 'utf8' }).trim();
    return text ? (JSON.parse(text) as { id: number; attach_type: string }[]) : [];
  }

  /** Removes the directory, waiting (up to ~5 s) for exited children to leave it. */
  remove(): void {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; ; i++) {
      try {
        rmdirSync(this.path);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY' || i >= 500) throw err;
        Atomics.wait(pause, 0, 0, 10);
      }
    }
  }

  [Symbol.dispose](): void {
    this.remove();
  }
}
