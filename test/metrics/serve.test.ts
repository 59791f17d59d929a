// tsbpf serve against a real Prometheus server on 127.0.0.1: Prometheus scrapes the exporter
// (over TLS with basic auth, as configured by a web config file) every second while a marked
// process makes a known number of getppid calls; the HTTP API must then show exactly that count,
// a histogram whose _count is the same and whose buckets are cumulative, and a probe that could
// not attach reported down while the others serve. Then SIGHUP reloads keep counts.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kernelDescribe, requireKernel } from '../support/kernel.js';
import {
  getppidCaller,
  MAIN,
  PROMETHEUS,
  type Serve,
  selfSignedCert,
  startPrometheus,
  startServe,
  until,
} from './servers.js';

const CALLS = 37;

const CONFIG = `# getppid as a Prometheus counter and a latency histogram
metrics:
  - name: test_getppid_calls
    help: getppid calls per process
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [pid, comm]
  - name: test_getppid_latency_seconds
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: latency
    labels: [pid]
  - name: test_never_attaches
    probe: tracepoint:no_such_category:no_such_event
    aggregate: count
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `tsbpf-serve-${process.pid}-`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GET a path of the exporter; TLS with the test's self-signed certificate. */
async function get(url: string, auth?: string): Promise<{ status: number; text: string }> {
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: readFileSync(join(dir, 'server.crt')), headers: auth ? { authorization: `Basic ${auth}` } : {} },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

kernelDescribe('tsbpf serve', ['tracepoints'], () => {
  const havePrometheus = PROMETHEUS !== undefined || requireKernel();
  it.skipIf(!havePrometheus)(
    'Prometheus scrapes it over TLS with basic auth: exact counts, a cumulative histogram, one probe down',
    async () => {
      const config = join(dir, 'serve.yaml');
      writeFileSync(config, CONFIG);
      selfSignedCert(dir);
      const password = `pw-${process.pid}`;
      writeFileSync(
        join(dir, 'web.yml'),
        `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: ${bcrypt.hashSync(password, 4)}\n`,
      );
      const caller = getppidCaller(CALLS);
      let serve: Serve | undefined;
      let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
      try {
        serve = await startServe(config, ['--web.config.file', join(dir, 'web.yml')]);
        expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(serve.log()).toMatch(/test_never_attaches_total .*not exported: .*no_such_category/);
        const auth = Buffer.from(`prom:${password}`).toString('base64');
        expect((await get(`${serve.url}/metrics`)).status).toBe(401);
        expect((await get(`${serve.url}/metrics`, Buffer.from('prom:wrong').toString('base64'))).status).toBe(
          401,
        );
        expect(await get(`${serve.url}/healthz`, auth)).toEqual({ status: 200, text: 'ok\n' });

        const target = serve.url.replace(/^https:\/\//, '');
        prom = await startPrometheus(
          `  - job_name: tsbpf\n    scheme: https\n    tls_config:\n      ca_file: ${join(dir, 'server.crt')}\n    basic_auth:\n      username: prom\n      password: ${password}\n    static_configs:\n      - targets: ['${target}']\n`,
        );
        const p = prom;
        await until('the first successful scrape', async () =>
          (await p.query('up{job="tsbpf"} == 1')).length === 1 ? true : undefined,
        );
        await caller.go();
        const exitedAt = Date.now() / 1000;
        const pid = String(caller.pid);
        // A sample scraped after the caller exited holds every call it made.
        await until('a scrape after the calls', async () => {
          const r = await p.query(`timestamp(test_getppid_calls_total{pid="${pid}",comm="${caller.comm}"})`);
          return r[0] && Number(r[0].value[1]) > exitedAt + 0.1 ? true : undefined;
        });
        const count = await p.query(`test_getppid_calls_total{pid="${pid}",comm="${caller.comm}"}`);
        expect(count.map((s) => Number(s.value[1]))).toEqual([CALLS]);

        const hcount = await p.query(`test_getppid_latency_seconds_count{pid="${pid}"}`);
        expect(hcount.map((s) => Number(s.value[1]))).toEqual([CALLS]);
        const buckets = (await p.query(`test_getppid_latency_seconds_bucket{pid="${pid}"}`))
          .map((s) => ({ le: Number(s.metric.le?.replace('+Inf', 'Infinity')), n: Number(s.value[1]) }))
          .sort((a, b) => a.le - b.le);
        expect(buckets.length).toBeGreaterThan(10);
        expect(buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, n: CALLS });
        for (let i = 1; i < buckets.length; i++)
          expect(buckets[i]?.n).toBeGreaterThanOrEqual(buckets[i - 1]?.n as number);
        const sum = await p.query(`test_getppid_latency_seconds_sum{pid="${pid}"}`);
        expect(Number(sum[0]?.value[1])).toBeGreaterThan(0);
        // Prometheus's own quantile over our buckets lands inside the bucket range.
        const q = await p.query(`histogram_quantile(0.5, test_getppid_latency_seconds_bucket{pid="${pid}"})`);
        expect(Number(q[0]?.value[1])).toBeGreaterThan(0);

        // The heatmap and percentile queries of docs/fleet.md, on this histogram.
        const fleet = readFileSync(new URL('../../docs/fleet.md', import.meta.url), 'utf8');
        const queries = [...fleet.matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map((m) =>
          (m[1] as string).trim().replaceAll('vfs_read_latency_seconds', 'test_getppid_latency_seconds'),
        );
        expect(queries.length).toBe(2);
        for (const query of queries) {
          const r = await until(`a result for ${query}`, async () => {
            const r = await p.query(query);
            return r.length > 0 ? r : undefined;
          });
          expect(r.every((s) => Number.isFinite(Number(s.value[1])) || s.value[1] === 'NaN')).toBe(true);
        }

        const up = await p.query('tsbpf_probe_up');
        const byProbe = Object.fromEntries(
          up.map((s) => [`${s.metric.metric} ${s.metric.probe}`, s.value[1]]),
        );
        expect(byProbe).toEqual({
          'test_getppid_calls_total tracepoint:syscalls:sys_enter_getppid': '1',
          'test_getppid_latency_seconds tracepoint:syscalls:sys_enter_getppid': '1',
          'test_getppid_latency_seconds tracepoint:syscalls:sys_exit_getppid': '1',
          'test_never_attaches_total tracepoint:no_such_category:no_such_event': '0',
        });
      } finally {
        await prom?.stop();
        const code = await serve?.stop();
        if (serve) expect(code, serve.log()).toBe(0);
      }
    },
  );

  it('SIGHUP reloads: unchanged metrics keep their counts, changed ones restart, a bad file changes nothing', async () => {
    const config = join(dir, 'reload.yaml');
    const metric = (name: string, help: string) =>
      `  - name: ${name}\n    help: ${help}\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n    labels: [pid, comm]\n`;
    writeFileSync(config, `metrics:\n${metric('kept_calls', 'kept')}${metric('changed_calls', 'before')}`);
    const serve = await startServe(config);
    const value = async (name: string, { pid, comm }: { pid: number; comm: string }) => {
      const text = (await (await fetch(`${serve.url}/metrics`)).text()).split('\n');
      // comm too: python3 may start as a wrapper script that calls getppid itself.
      const line = text.find((l) => l.startsWith(`${name}{pid="${pid}",comm="${comm}"} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    };
    try {
      const first = getppidCaller(5);
      await first.go();
      expect(await value('kept_calls_total', first)).toBe(5);
      expect(await value('changed_calls_total', first)).toBe(5);

      writeFileSync(
        config,
        `metrics:\n${metric('kept_calls', 'kept')}${metric('changed_calls', 'after')}${metric('added_calls', 'new')}`,
      );
      let mark = serve.log().length;
      serve.proc.kill('SIGHUP');
      expect(await serve.waitLog(/reloaded .*\n/, mark)).toMatch(/1 kept, 2 started, 0 removed, 0 down/);
      expect(await value('kept_calls_total', first)).toBe(5);
      expect(await value('changed_calls_total', first)).toBeUndefined();
      const second = getppidCaller(3);
      await second.go();
      for (const name of ['kept_calls_total', 'changed_calls_total', 'added_calls_total'])
        expect(await value(name, second)).toBe(3);

      writeFileSync(config, 'metrics:\n  - name: [broken\n');
      mark = serve.log().length;
      serve.proc.kill('SIGHUP');
      expect(await serve.waitLog(/reload failed.*\n/, mark)).toMatch(/reload\.yaml:\d+:\d+: bad YAML/);
      expect(await value('kept_calls_total', first)).toBe(5);
      expect(await value('added_calls_total', second)).toBe(3);
    } finally {
      expect(await serve.stop(), serve.log()).toBe(0);
    }
  });

  it.skipIf(!existsSync('/usr/bin/setpriv'))(
    'as a user without privileges: one line saying what it needs, exit 1',
    () => {
      const open = join(dir, 'open');
      mkdirSync(open, { mode: 0o755 });
      chmodSync(dir, 0o755);
      const config = join(open, 'c.yaml');
      writeFileSync(config, CONFIG, { mode: 0o644 });
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, 'serve', config],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^tsbpf serve: bpf\(2\) is not usable here \(EPERM\): run as root, or with CAP_BPF[^\n]*\n$/,
      );
    },
  );

  it('a configuration mistake is one line naming FILE:LINE:COL, and exit 1', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(
      config,
      'metrics:\n  - name: x\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n    labels: [comm, bogus]\n',
    );
    const r = spawnSync(process.execPath, [MAIN, 'serve', config], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `tsbpf serve: ${config}:5:20: unknown label 'bogus' (comm, pid, tid, uid, cgroup, kstack, arg:NAME)\n`,
    );
  });
});
