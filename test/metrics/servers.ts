// Real servers for the exporter tests, on 127.0.0.1 only: `tsbpf serve` (the built CLI) in a child
// process, a real Prometheus server with a generated config and its own storage, and a python3
// process that makes a known number of getppid calls when told to.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
export const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

/** Polls `check` until it returns a value (not undefined) or `ms` pass; then throws `what`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
) {
  const end = performance.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A loopback port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Serve {
  proc: ChildProcessWithoutNullStreams;
  url: string;
  log(): string;
  /** Resolves once the log matches `re` (after `from`, an offset into the log). */
  waitLog(re: RegExp, from?: number): Promise<string>;
  stop(): Promise<number | null>;
}

/** Starts `tsbpf serve` on a config file; resolves when it serves (its log names the URL). */
export async function startServe(configFile: string, args: string[] = []): Promise<Serve> {
  const proc = spawn(process.execPath, [MAIN, 'serve', configFile, '--listen', '127.0.0.1:0', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const waitLog = (re: RegExp, from = 0) =>
    until(`tsbpf serve to log ${re}`, () => {
      if (proc.exitCode !== null) throw new Error(`tsbpf serve exited ${proc.exitCode}: ${log}`);
      return re.exec(log.slice(from))?.[0];
    });
  let url: string;
  try {
    url = /at (https?:\/\/[^ ]+)\/metrics/.exec(await waitLog(/serving .*\n/))?.[1] as string;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    proc,
    url,
    log: () => log,
    waitLog,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** A Prometheus server scraping `scrapeConfigs` (YAML list items) every second. */
export async function startPrometheus(scrapeConfigs: string): Promise<{
  url: string;
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}> {
  if (!PROMETHEUS) throw new Error('no prometheus binary (apt-get install prometheus)');
  const dir = mkdtempSync(join(tmpdir(), `tsbpf-prom-${process.pid}-`));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrapeConfigs}`,
  );
  const port = await freePort();
  const proc = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('prometheus to be ready', async () => {
      if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}: ${log}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async query(q) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await r.json()) as { status: string; error?: string; data: { result: never[] } };
      if (body.status !== 'success') throw new Error(`prometheus: ${q}: ${body.error}`);
      return body.data.result;
    },
    stop,
  };
}

let callers = 0;

/**
 * python3 that waits for a line on stdin, names itself `comm` (unique to this test process: other
 * processes on the machine call getppid too), calls getppid `n` times, and exits.
 */
export function getppidCaller(
  n: number,
  comm = `gp${process.pid}-${++callers}`.slice(0, 15),
): { pid: number; comm: string; go(): Promise<void> } {
  const script = [
    'import ctypes,os,sys',
    'sys.stdin.readline()',
    `ctypes.CDLL(None).prctl(15, b"${comm}", 0, 0, 0)`,
    `[os.getppid() for _ in range(${n})]`,
  ].join('\n');
  // The system's python3 directly: a version manager's shim is a shell script that takes seconds.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const proc = spawn(python, ['-c', script], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    pid: proc.pid as number,
    comm,
    go: async () => {
      proc.stdin.end('go\n');
      await exited;
    },
  };
}

/** A self-signed certificate for 127.0.0.1, made with openssl. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl: ${r.stderr}`);
  return { cert, key };
}
