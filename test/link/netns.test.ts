// Network namespace links on real traffic, in a namespace the test makes (loopback only):
// sk_lookup steers connections to one port onto a listener on another (each connect lands on it,
// exactly), update() swaps the program atomically, detach() and close() end the steering;
// flow_dissector links (one per namespace); bad input is one typed error, nothing left attached.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AttachError, attachFlowDissector, attachSkLookup, BpfMap, Link, Program, socketFd } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

const STEERED = 7007;

/** sk_lookup: connections to STEERED go to the socket at key 0 of `listener`; everything else passes. */
const STEER = `
    r6 = r1
    r2 = *(u32 *)(r6 + 60)
    if r2 != ${STEERED} goto pass
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = r10
    r2 += -4
    r1 = listener ll
    call 1
    if r0 == 0 goto pass
    r1 = r6
    r2 = r0
    r6 = r0
    r3 = 0
    call 124
    r1 = r6
    call 86
  pass:
    r0 = 1
    exit`;
const PASS = `
    r0 = 1
    exit`;

/** The outcome of connecting to 127.0.0.1:port: the local port the server saw, or the error code. */
function tryConnect(port: number, accepted: Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const before = accepted.length;
    const s = connect({ host: '127.0.0.1', port });
    s.on('data', () => {});
    s.on('end', () => resolve(`landed on ${accepted[before]?.localPort}`));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

kernelDescribe('network namespace links (sk_lookup, flow_dissector)', ['prog_load', 'maps'], () => {
  it('sk_lookup steers each connection to the listener; update, detach and close end it', async () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    const scope = pair.enter('a');
    const accepted: Socket[] = [];
    let server: Server | undefined;
    try {
      server = createServer((c) => {
        accepted.push(c);
        c.end();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const listenPort = (server.address() as { port: number }).port;
      using listener = BpfMap.create({ type: 'sockmap', maxEntries: 1, name: 'listener' });
      listener.set(0, socketFd(server));
      const load = (text: string) =>
        Program.load({
          type: 'sk_lookup',
          expectedAttachType: 'sk_lookup',
          instructions: assemble(text).instructions,
          maps: { listener },
        });
      using steer = load(STEER);
      using pass = load(PASS);

      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      using link = attachSkLookup(steer, nsPath);
      for (let i = 0; i < 3; i++) expect(await tryConnect(STEERED, accepted)).toBe(`landed on ${STEERED}`);
      expect(await tryConnect(listenPort, accepted)).toBe(`landed on ${listenPort}`);
      expect(accepted.length).toBe(4);

      const info = link.info();
      expect(info).toMatchObject({ typeName: 'netns', attachTypeName: 'sk_lookup', progId: steer.info().id });
      expect(info.netnsIno).toBe(statSync(nsPath).ino);
      const tool = JSON.parse(
        execFileSync('bpftool', ['-j', 'link', 'show', 'id', String(info.id)], { encoding: 'utf8' }),
      );
      expect(tool).toMatchObject({
        id: info.id,
        type: 'netns',
        prog_id: info.progId,
        netns_ino: info.netnsIno,
        attach_type: 'sk_lookup',
      });
      {
        using again = Link.fromId(info.id);
        expect(again.kind).toBe('sk_lookup');
        expect(again.target).toBe(`netns ${info.netnsIno} sk_lookup`);
      }

      // update(): the pass-only program, only if steer is still the one attached.
      link.update(pass, { oldProgram: steer });
      expect(link.info().progId).toBe(pass.info().id);
      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      expect(() => link.update(steer, { oldProgram: steer })).toThrow(/BPF_LINK_UPDATE.*EPERM/);
      link.update(steer);
      expect(await tryConnect(STEERED, accepted)).toBe(`landed on ${STEERED}`);

      link.detach();
      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      expect(accepted.length).toBe(5);
    } finally {
      server?.close();
      scope.leave();
    }
  });

  it('close() ends the steering; bad input is one typed error with nothing attached', async () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    using listener = BpfMap.create({ type: 'sockmap', maxEntries: 1, name: 'listener' });
    using steer = Program.load({
      type: 'sk_lookup',
      expectedAttachType: 'sk_lookup',
      instructions: assemble(STEER).instructions,
      maps: { listener },
    });
    const before = [...Link.ids()].length;
    expect(() => attachSkLookup(steer, `/run/netns/${pair.ns.a}-missing`)).toThrow(
      expect.objectContaining({ name: 'AttachError', reason: 'not-found' }),
    );
    // An sk_lookup program is not a flow dissector.
    expect(() => attachFlowDissector(steer, nsPath)).toThrow(AttachError);
    expect(() => attachFlowDissector(steer, nsPath)).toThrow(/EINVAL/);
    expect([...Link.ids()].length).toBe(before);
    const link = attachSkLookup(steer, nsPath);
    const id = link.info().id;
    link.close();
    expect([...Link.ids()]).not.toContain(id);
  });

  it('a flow_dissector link: one per namespace (E2BIG), info names it', () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    // BPF_OK (0): the kernel keeps the flow keys the program left (none here).
    using dissect = Program.load({
      type: 'flow_dissector',
      expectedAttachType: 'flow_dissector',
      instructions: assemble('r0 = 0\nexit').instructions,
    });
    using link = attachFlowDissector(dissect, nsPath);
    expect(link.info()).toMatchObject({
      typeName: 'netns',
      attachTypeName: 'flow_dissector',
      netnsIno: statSync(nsPath).ino,
    });
    expect(() => attachFlowDissector(dissect, nsPath)).toThrow(/E2BIG: no room for another program/);
  });
});
