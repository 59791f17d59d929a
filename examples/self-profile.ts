// self-profile: a Node service that profiles itself on demand. GET /profile.svg?seconds=S samples
// this process's stacks (kernel and user, JavaScript frames named from Node's perf map) for S
// seconds, counted in the kernel, and answers with the flame graph SVG; /profile.folded gives
// the folded stacks. GET /work?ms=N burns N ms of CPU in burnCpu, something to see in it (in
// 10 ms slices, so the server keeps answering meanwhile).
// Listens on 127.0.0.1 only.
//
//   sudo node --perf-basic-prof --interpreted-frames-native-stack dist/examples/self-profile.js [--port N]
//   curl -s 'localhost:N/work?ms=3000' & curl -s 'localhost:N/profile.svg?seconds=2' > cpu.svg
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { profile } from 'tsbpf';

const { values } = parseArgs({ options: { port: { type: 'string' } } });

/** CPU work with a name to find in the flame graph. */
function burnCpu(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 100_000; i++) x += Math.sqrt(i);
  return x;
}

/** `ms` of burnCpu in slices, letting other requests in between. */
async function work(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 10) {
    burnCpu(Math.min(10, left));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** One profile at a time: a second request waits for the running one instead of doubling the probes. */
let running: Promise<unknown> = Promise.resolve();

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  try {
    if (url.pathname === '/work') {
      const ms = Math.min(Number(url.searchParams.get('ms') ?? 100), 60_000);
      await work(ms);
      res.end('done\n');
      return;
    }
    if (url.pathname === '/profile.svg' || url.pathname === '/profile.folded') {
      const seconds = Math.min(Math.max(Number(url.searchParams.get('seconds') ?? 5), 0.1), 60);
      const run = running.then(() => profile({ pid: process.pid, hz: 99, durationMs: seconds * 1000 }));
      running = run.catch(() => {});
      const result = await run;
      if (url.pathname === '/profile.svg') {
        res.setHeader('content-type', 'image/svg+xml');
        res.end(result.svg({ title: `pid ${process.pid}: ${seconds} s` }));
      } else {
        res.setHeader('content-type', 'text/plain');
        res.end(result.folded());
      }
      return;
    }
    res.statusCode = 404;
    res.end('GET /profile.svg?seconds=S, /profile.folded?seconds=S or /work?ms=N\n');
  } catch (err) {
    res.statusCode = 500;
    res.end(`${(err as Error).message}\n`);
  }
});

server.listen(Number(values.port ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  console.log(`self-profile: listening on http://127.0.0.1:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close());
