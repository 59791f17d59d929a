// Launch-to-ready timing of a whole command (ours or a peer's): the wall time from spawning it
// until a line saying it is attached shows, after which it is stopped with SIGINT.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { now } from './stats.js';

/** bpftrace, where it is installed (the peer of the attach benchmarks). */
export const BPFTRACE = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => existsSync(p));

/** ms from spawn until `ready` shows on stdout or stderr; the command is then stopped. */
export function timeToReady(cmd: string, args: string[], ready: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let t: number | undefined;
    const check = (d: Buffer) => {
      out += d;
      if (t === undefined && ready.test(out)) {
        t = (now() - t0) / 1e6;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('close', () =>
      t === undefined ? reject(new Error(`${cmd} ended unready:\n${out}`)) : resolve(t),
    );
  });
}
