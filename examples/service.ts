// service: a probe inside an ordinary Node service. An HTTP server serves files; a tracer in the
// same process watches the server's own openat(2) calls through a tracepoint and keeps the recent
// ones, which GET /stats returns beside the request count. On SIGTERM or SIGINT the server stops
// taking connections, the tracer delivers what is left and closes (programs, links, maps, ring),
// and the process exits 0 with nothing left attached.
//
//   sudo node dist/examples/service.js [--port N]
//   curl localhost:N/package.json; curl localhost:N/stats; kill -TERM <pid>
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { port: { type: 'string' }, root: { type: 'string' } } });
const root = values.root ?? process.cwd();

const tracer = new Tracer({ pid: process.pid });
const recentOpens: { file: string; flags: number; at: number }[] = [];
let opens = 0;
tracer
  .probe('tracepoint:syscalls:sys_enter_openat', (p) =>
    p.emit({ file: p.arg('filename').string(256), flags: p.arg('flags').u32() }),
  )
  .on((e) => {
    opens++;
    recentOpens.push({ ...e, at: Date.now() });
    if (recentOpens.length > 20) recentOpens.shift();
  });
await tracer.start();

let requests = 0;
const server = createServer(async (req, res) => {
  requests++;
  if (req.url === '/stats') {
    tracer.drain(); // deliver what the kernel has recorded so far
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests, opens, recentOpens }));
    return;
  }
  const path = join(root, normalize(decodeURIComponent(req.url ?? '/')).replace(/^(\.\.[/\\])+/, ''));
  try {
    res.end(await readFile(path));
  } catch {
    res.statusCode = 404;
    res.end('not found\n');
  }
});
server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on 127.0.0.1:${typeof address === 'object' && address ? address.port : '?'}`);
});

// Events reach the listener as they arrive, until shutdown.
const shutdown = new AbortController();
const delivering = tracer.run({ signal: shutdown.signal });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    shutdown.abort();
  });
}
await delivering;
tracer.close();
await new Promise((resolve) => server.once('close', resolve).close());
console.log(`closed: ${requests} requests, ${opens} opens seen`);
