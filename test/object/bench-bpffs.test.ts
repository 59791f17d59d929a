// bench/objects.js pins bpftool's programs under /sys/fs/bpf: where bpffs is not mounted it must
// mount it, as the library does for its own pins, not die with ENOENT. Run in a private mount
// namespace with bpffs unmounted, so the host's mount is not touched.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const BENCH = fileURLToPath(new URL('../../dist/bench/objects.js', import.meta.url));
const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool'].some((p) => existsSync(p));

kernelDescribe('bench/objects.js without a bpffs mount', ['bpffs', 'prog_load', 'btf'], () => {
  it.runIf(bpftool || process.env.CI === 'true')('mounts bpffs and measures against bpftool', () => {
    const script = `umount /sys/fs/bpf 2>/dev/null; grep -q ' /sys/fs/bpf bpf ' /proc/self/mounts && exit 3; exec "${process.execPath}" "${BENCH}"`;
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /vs bpftool prog loadall \(peer, per process\): ours [\d.]+ ms, floor [\d.]+ ms, ratio/,
    );
  });
});
