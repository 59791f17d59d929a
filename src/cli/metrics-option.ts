// `--metrics HOST:PORT` of tsbpf count and hist: the same counts and histograms the command prints,
// served to Prometheus while it runs (read from the kernel maps at each scrape). The server code
// loads only when the option is given.
import type { MetricFamily } from '../metrics/family.js';
import { UsageError } from './usage.js';

export const METRICS_HELP =
  '      --metrics HOST:PORT  also serve the figures at http://HOST:PORT/metrics (Prometheus text)';

export interface RunningMetrics {
  close(): Promise<void>;
}

/** Starts the listener (one line on stderr says where); a bad address is a usage error. */
export async function serveMetrics(
  text: string,
  command: string,
  collect: () => MetricFamily[],
): Promise<RunningMetrics> {
  const { MetricsServer, parseListen } = await import('../metrics/server.js');
  const listen = parseListen(text);
  if (!listen) throw new UsageError(`--metrics: '${text}' is not HOST:PORT`);
  const server = await MetricsServer.start({
    listen,
    collect,
    log: (line) => process.stderr.write(`tsbpf ${command}: ${line}\n`),
  });
  process.stderr.write(`tsbpf ${command}: serving metrics at ${server.url}/metrics\n`);
  return server;
}

/** Checks HOST:PORT before anything is loaded (exit 2 on a typo, not after attaching). */
export function checkMetricsAddress(text: string | undefined): void {
  if (text !== undefined && !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)?:?\d{1,5}$/.test(text))
    throw new UsageError(`--metrics: '${text}' is not HOST:PORT`);
}
