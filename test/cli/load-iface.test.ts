// `tsbpf load OBJ.o --iface IF` with a clang-built XDP object (fixtures/objects/xdp_count.bpf.c:
// packets per EtherType in a per-CPU array, always XDP_PASS), run inside a network namespace
// while real packets cross a veth pair: the program is attached while the command runs (checked
// over netlink), counts exactly the IPv4 packets sent (read with bpftool, an outside oracle),
// lets them all through, and is gone when SIGTERM ends the command.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { xdpAttached } from 'tsbpf';
import { expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const OBJ = fileURLToPath(new URL('../fixtures/objects/xdp_count.bpf.o', import.meta.url));
const N = 20;

kernelDescribe('tsbpf load --iface', ['prog_load'], () => {
  it('attaches the xdp section to the interface while it runs, counting every packet; SIGTERM ends it cleanly', async () => {
    using pair = makeVethPair();
    let during: { received: number; mode: string | undefined; packets: number } | undefined;
    const run = await runChild(
      'ip',
      [
        'netns',
        'exec',
        pair.ns.b,
        process.execPath,
        MAIN,
        'load',
        OBJ,
        '--iface',
        pair.ifname.b,
        '--duration',
        '60',
      ],
      {
        ready: /streaming for/,
        stop: true,
        during: async (output) => {
          const mapId = /^stats\s+percpu_array\s+(\d+)/m.exec(output)?.[1];
          const { received } = await pair.udpBurst({ port: 7400, count: N });
          const dump = JSON.parse(
            execFileSync('bpftool', ['-j', 'map', 'lookup', 'id', String(mapId), 'key', '0', '0', '0', '0'], {
              encoding: 'utf8',
            }),
          ) as { formatted?: { values: { value: { packets: number } }[] } };
          const packets = (dump.formatted?.values ?? []).reduce((s, v) => s + v.value.packets, 0);
          using _ = pair.enter('b');
          during = { received, mode: xdpAttached(pair.ifname.b).mode, packets };
        },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/xdp_count\s+xdp\s+xdp\s+\d+.*attached/);
    // N counted packets and the burst's end marker, all IPv4, all passed.
    expect(during).toEqual({ received: N, mode: expect.stringMatching(/^(drv|skb)$/), packets: N + 1 });
    using _ = pair.enter('b');
    expect(xdpAttached(pair.ifname.b).progId).toBeUndefined();
  });
});
