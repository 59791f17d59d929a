// examples/firewall.ts as a user runs it (the built file, inside a network namespace through
// `ip netns exec`), against real UDP packets over a veth pair: the ports it blocks lose exactly
// the packets sent to them, and lines on its stdin change the list while it runs.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

const script = fileURLToPath(new URL('../../dist/examples/firewall.js', import.meta.url));
const N = 25;

/** Output lines of the child, awaited one pattern at a time. */
function reader(child: ChildProcessWithoutNullStreams) {
  let out = '';
  const waiters: { re: RegExp; resolve: (m: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        out = out.slice((m.index ?? 0) + m[0].length);
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout.on('data', (d) => {
    out += String(d);
    check();
  });
  return {
    next: (re: RegExp) =>
      new Promise<string>((resolve) => {
        waiters.push({ re, resolve });
        check();
      }),
    rest: () => out,
  };
}

kernelDescribe('examples/firewall', ['prog_load'], () => {
  it('drops UDP to the blocked ports, exactly, and follows block/allow lines live', async () => {
    expect(existsSync(script), 'dist/ is missing: run npm run build').toBe(true);
    using pair = makeVethPair();
    const child = spawn(
      'ip',
      ['netns', 'exec', pair.ns.b, process.execPath, script, '--iface', pair.ifname.b, '7300'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const out = reader(child);
      expect(await out.next(/ready: .*\n/)).toMatch(/ports \[7300\]/);
      expect(await pair.udpBurst({ port: 7300, count: N, markerPort: 7309 })).toEqual({
        sent: N,
        received: 0,
      });
      child.stdin.write('stats\n');
      expect(await out.next(/ 7300 +\d+\n/)).toMatch(new RegExp(` 7300 +${N}\n`)); // its map counted every drop
      child.stdin.write('allow 7300\nblock 7301\n');
      await out.next(/ok: block 7301\n/);
      expect(await pair.udpBurst({ port: 7300, count: N, markerPort: 7309 })).toEqual({
        sent: N,
        received: N,
      });
      expect(await pair.udpBurst({ port: 7301, count: N, markerPort: 7309 })).toEqual({
        sent: N,
        received: 0,
      });
      child.stdin.end();
      expect(await ended).toBe(0);
      // The final table: 7301 with every packet sent to it; 7300 was allowed (removed) before.
      expect(
        out
          .rest()
          .trim()
          .split('\n')
          .slice(-2)
          .map((l) => l.trim().split(/\s+/)),
      ).toEqual([
        ['PORT', 'DROPPED'],
        ['7301', String(N)],
      ]);
      expect(stderr).toBe('');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
