// sk-lookup: one listening socket answers connections to a second port, with no second listen()
// and no NAT. An sk_lookup program, written with the builder, runs when a TCP connection arrives
// in this network namespace: for the steered port it takes the listener out of a sockmap and
// assigns it (bpf_sk_assign). The example connects to the steered port before, while and after
// the program is attached: refused, answered by the listener, refused again.
//
// It attaches to the namespace it runs in, so run it in a fresh one:
//   sudo unshare --net sh -c 'ip link set lo up && node dist/examples/sk-lookup.js [PORT]'
import { connect, createServer, type Server } from 'node:net';
import { attachSkLookup, BpfMap, Program, socketFd } from 'tsbpf';
import { program, R0, R1, R2, R3, R6, R10 } from 'tsbpf/isa';

const STEERED_PORT = Number(process.argv[2] ?? 7007);
const SK_PASS = 1;
/** struct bpf_sk_lookup: local_port (host byte order) is the u32 at offset 60. */
const LOCAL_PORT = 60;

// if (ctx->local_port == STEERED_PORT && (sk = lookup(listener, 0))) { sk_assign(ctx, sk, 0); sk_release(sk); }
const b = program();
const key = b.stackAlloc(4);
b.mov(R6, R1);
b.ldx('u32', R2, R6, LOCAL_PORT).jne(R2, STEERED_PORT, 'pass');
b.mov(R2, 0).stx('u32', R10, key, R2.w);
b.ldMap(R1, 'listener').mov(R2, R10).add(R2, key).call('map_lookup_elem');
b.jeq(R0, 0, 'pass');
b.mov(R1, R6).mov(R2, R0).mov(R6, R0).mov(R3, 0).call('sk_assign');
b.mov(R1, R6).call('sk_release');
b.label('pass').ret(SK_PASS);

/** Connects to 127.0.0.1:port; resolves with the line the server wrote, or the error code. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    s.on('data', (d) => {
      got += d;
    });
    s.on('end', () => resolve(got.trim()));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

const server: Server = createServer((c) =>
  c.end(
    `answered by the listener on ${server.address() && (server.address() as { port: number }).port} (local port ${c.localPort})\n`,
  ),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
try {
  using listener = BpfMap.create({ type: 'sockmap', maxEntries: 1, name: 'listener' });
  listener.set(0, socketFd(server));
  using prog = Program.load({
    type: 'sk_lookup',
    expectedAttachType: 'sk_lookup',
    instructions: b.build().instructions,
    maps: { listener },
  });

  console.log(`before: ${await ask(STEERED_PORT)}`);
  {
    using _link = attachSkLookup(prog);
    console.log(`attached: ${await ask(STEERED_PORT)}`);
  }
  console.log(`after: ${await ask(STEERED_PORT)}`);
} finally {
  server.close();
}
