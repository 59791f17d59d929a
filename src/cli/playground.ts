// `tsbpf playground [--port P]`: serves the playground page on 127.0.0.1 and, when this process
// may use bpf(2), lets the page load its program into the kernel and test-run it there.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command } from './command.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf playground [--port P]

Serves the eBPF playground (docs/playground: editor, bytes, disassembly, a stepping debugger
over the interpreter, the lessons and the conformance suite as examples) on 127.0.0.1 only.
Run as root (or with CAP_BPF), the page also gets "Load in kernel": BPF_PROG_LOAD with the
verifier's log placed at the source lines, and a BPF_PROG_TEST_RUN result beside the
interpreter's. The server accepts only programs, from loopback, in bodies of at most 256 KiB.
  --port P     TCP port on 127.0.0.1 (default 8080; 0 picks a free one)
  -h, --help   show this help
Stops on Ctrl-C.
`;

/** The package root: the nearest directory above this file with tsbpf's package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tsbpf')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the tsbpf package directory');
    dir = up;
  }
}

export const run = command({
  help: HELP,
  options: { port: { type: 'string' } },
  positionals: false,
  async run(values) {
    const port = Number(values.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a port number, not '${values.port}'`);
    const root = packageRoot();
    if (!existsSync(join(root, 'docs/playground/playground.js')))
      throw new Error(`the page is not built: run 'npm run build:playground' in ${root}`);

    // The kernel half (koffi) is loaded only here, and its absence is a message on the page.
    let noKernel: string | undefined;
    let load:
      | ((req: import('../playground/kernel.js').LoadRequest) => import('../playground/kernel.js').LoadReply)
      | undefined;
    try {
      const { probeBpf } = await import('../features.js');
      const bpf = probeBpf();
      if (bpf.supported) load = (await import('../playground/kernel.js')).loadAndRun;
      else noKernel = `bpf(2) is not available here (${bpf.detail ?? 'unknown'}); run as root`;
    } catch (e) {
      noKernel = e instanceof Error ? e.message : String(e);
    }
    const { startPlayground } = await import('../playground/server.js');
    const server = await startPlayground({ port, root, noKernel, load, release: release() });
    const addr = server.address() as { port: number };
    process.stdout.write(
      `tsbpf playground: http://127.0.0.1:${addr.port}/ (kernel: ${noKernel === undefined ? 'yes' : `no, ${noKernel}`})\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
});
