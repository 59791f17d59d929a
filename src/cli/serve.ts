// `tsbpf serve CONFIG`: a long-running Prometheus exporter. Each metric of CONFIG is a probe whose
// count, sum or latency histogram stays in a kernel map; a scrape reads the maps (no event ever
// crosses to user space). SIGHUP reloads CONFIG; unchanged metrics keep their counts.
import { readFileSync } from 'node:fs';
import { command } from './command.js';
import { UsageError } from './usage.js';

const DEFAULT_LISTEN = '127.0.0.1:9435';

const HELP = `usage: tsbpf serve CONFIG [options]

Runs the probes CONFIG (YAML or JSON) describes and serves their counts and histograms in the
Prometheus text format at /metrics, read from the kernel maps at each scrape; /healthz says ok.
  -l, --listen HOST:PORT      where to listen (default ${DEFAULT_LISTEN}; other addresses only when given)
      --web.config.file FILE  TLS and basic auth, in the web config format of Prometheus exporters
      --allow-labels LIST     the only labels metrics may use, comma-separated (comm,pid,cgroup,arg:*)
  -h, --help                  show this help

A probe that cannot attach is reported by tsbpf_probe_up{probe=...} 0 (the log says why); the
other metrics are served. SIGHUP reloads CONFIG and the web config: unchanged metrics keep their
counts. See docs/fleet.md for the configuration, systemd and Kubernetes.

example CONFIG:
  metrics:
    - name: openat_calls
      help: openat(2) calls by command
      probe: tracepoint:syscalls:sys_enter_openat
      aggregate: count
      labels: [comm]
    - name: vfs_read_latency_seconds
      probe: kprobe:vfs_read
      aggregate: latency
`;

export const run = command({
  help: HELP,
  options: {
    listen: { type: 'string', short: 'l' },
    'web.config.file': { type: 'string' },
    'allow-labels': { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1)
      throw new UsageError('serve: name one CONFIG file (see tsbpf serve --help)');
    const file = positionals[0] as string;
    const { parseListen } = await import('../metrics/server.js');
    const listen = parseListen(values.listen ?? DEFAULT_LISTEN);
    if (!listen) throw new UsageError(`--listen: '${values.listen}' is not HOST:PORT`);
    const allowLabels = values['allow-labels']?.split(',').map((s) => s.trim());
    const webFile = values['web.config.file'];

    const { parseServeConfig } = await import('../metrics/config.js');
    const { readWebConfig } = await import('../metrics/web-config.js');
    const { Exporter } = await import('../metrics/exporter.js');
    const { MetricsServer } = await import('../metrics/server.js');
    const log = (line: string) => process.stderr.write(`tsbpf serve: ${line}\n`);
    const load = () => parseServeConfig(file, readText(file), { allowLabels });

    const config = load();
    const web = webFile ? readWebConfig(webFile) : undefined;
    await needBpf();
    const exporter = new Exporter(log);
    let server: import('../metrics/server.js').MetricsServer | undefined;
    const ended = new AbortController();
    const stop = () => ended.abort();
    let reloading = Promise.resolve();
    const reload = () => {
      reloading = reloading.then(async () => {
        try {
          const next = load();
          if (webFile) server?.setWebConfig(readWebConfig(webFile));
          const r = await exporter.apply(next);
          log(
            `reloaded ${file}: ${r.kept.length} kept, ${r.started.length} started, ${r.stopped.length} removed, ${r.down.length} down`,
          );
        } catch (err) {
          log(`reload failed, the running configuration stays: ${(err as Error).message}`);
        }
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', reload);
    try {
      const r = await exporter.apply(config);
      server = await MetricsServer.start({ listen, web, collect: () => exporter.families(), log });
      log(
        `serving ${r.started.length} of ${config.metrics.length} metrics at ${server.url}/metrics${r.down.length ? ` (down: ${r.down.join(', ')})` : ''}`,
      );
      await new Promise<void>((resolve) =>
        ended.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await reloading;
      return 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', reload);
      await server?.close();
      exporter.close();
    }
  },
});

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** One line, not a metric per probe saying EPERM, when bpf(2) is not usable at all. */
async function needBpf(): Promise<void> {
  const { probeBpf } = await import('../features.js');
  const f = probeBpf();
  if (!f.supported)
    throw new Error(
      `bpf(2) is not usable here (${f.detail}): run as root, or with CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE (docs/fleet.md)`,
    );
}
