// The serve configuration: what it accepts, and that every mistake names FILE:LINE:COL of the
// text that caused it (YAML and JSON alike).
import { describe, expect, it } from 'vitest';
import { parseServeConfig } from '../../src/metrics/config.js';
import { readWebConfig } from '../../src/metrics/web-config.js';

const err = (text: string, opts = {}): string => {
  try {
    parseServeConfig('c.yaml', text, opts);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};

const ONE = (extra: string) =>
  `metrics:\n  - name: calls\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n${extra}`;

describe('serve config', () => {
  it('reads metrics with Prometheus names: counters get _total, latencies _seconds, return probes derived', () => {
    const c = parseServeConfig(
      'c.yaml',
      `max_series: 50
metrics:
  - name: calls
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [comm, pid, cgroup, kstack]
  - name: read_bytes_total
    probe: tracepoint:syscalls:sys_exit_read
    aggregate: sum
    value: ret
    max_series: 7
  - name: read_latency
    help: read(2) time
    probe: kprobe:vfs_read
    aggregate: latency
    filter: { comm: nginx }
  - name: open_files
    probe: tracepoint:syscalls:sys_enter_openat
    aggregate: count
    labels: ['arg:filename']
`,
    );
    expect(c.metrics.map((m) => [m.name, m.aggregate, m.maxSeries, m.returnProbe?.text])).toEqual([
      ['calls_total', 'count', 50, undefined],
      ['read_bytes_total', 'sum', 7, undefined],
      ['read_latency_seconds', 'latency', 50, 'kretprobe:vfs_read'],
      ['open_files_total', 'count', 50, undefined],
    ]);
    expect(c.metrics[0]?.labels.map((l) => l.name)).toEqual(['comm', 'pid', 'cgroup', 'kstack']);
    expect(c.metrics[2]?.filter).toEqual({ comm: 'nginx' });
    expect(c.metrics[2]?.where).toBe('c.yaml:12:5');
    expect(c.metrics[3]?.labels[0]).toMatchObject({ source: 'arg', arg: 'filename', name: 'filename' });
    // sys_enter_X pairs with sys_exit_X.
    const t = parseServeConfig('c.yaml', ONE('').replace('count', 'latency'));
    expect(t.metrics[0]?.returnProbe?.text).toBe('tracepoint:syscalls:sys_exit_getppid');
  });

  it('JSON is read too, with positions', () => {
    const json = '{\n  "metrics": [\n    {"name": "x", "probe": "kprobe:f", "aggregate": "avg"}\n  ]\n}';
    expect(err(json)).toBe('c.yaml:3:53: aggregate must be one of count, sum, latency');
  });

  it('names the line and column of each mistake', () => {
    expect(err('metrics:\n  - name: [x\n')).toMatch(/^c\.yaml:\d+:\d+: bad YAML: /);
    expect(err(ONE('    labels: [comm, bogus]\n'))).toBe(
      "c.yaml:5:20: unknown label 'bogus' (comm, pid, tid, uid, cgroup, kstack, arg:NAME)",
    );
    expect(err(ONE('').replace('tracepoint:syscalls', 'tracepont:syscalls'))).toMatch(
      /^c\.yaml:3:12: probe 'tracepont:syscalls:sys_enter_getppid': unknown probe type 'tracepont'/,
    );
    expect(err(ONE('    lables: [comm]\n'))).toMatch(/^c\.yaml:5:5: unknown key 'lables' in a metric/);
    expect(err(ONE('').replace('name: calls', 'name: 9calls'))).toMatch(
      /^c\.yaml:2:11: '9calls' is not a Prometheus/,
    );
    expect(err(ONE('    value: ret\n'))).toBe("c.yaml:5:12: 'value' is for aggregate: sum");
    expect(err(`${ONE('')}  - name: calls_total\n    probe: tracepoint:a:b\n    aggregate: count\n`)).toBe(
      "c.yaml:5:5: metric 'calls_total' is already defined at c.yaml:2:5",
    );
    expect(err(ONE('    labels: [pid, pid]\n'))).toBe("c.yaml:5:19: label 'pid' is given twice");
    expect(
      err(
        ONE('')
          .replace('count', 'latency')
          .replace('probe: tracepoint:syscalls:sys_enter_getppid', 'probe: tracepoint:sched:sched_switch'),
      ),
    ).toMatch(/^c\.yaml:3:12: no return probe follows/);
    expect(err(ONE('    max_series: 0\n'))).toBe(
      'c.yaml:5:17: max_series must be an integer from 1 to 1048576',
    );
    expect(err('metrics: 3\n')).toBe('c.yaml:1:10: metrics must be a list');
    expect(err('foo: 1\n')).toMatch(/^c\.yaml:1:1: unknown key 'foo' in the configuration/);
    expect(err(ONE('    filter: { comm: a_very_long_command_name }\n'))).toBe(
      'c.yaml:5:21: filter.comm is at most 15 bytes',
    );
  });

  it('labels outside the allow-list (file or option) are refused where they are written', () => {
    const text = `allow_labels: [comm, 'arg:*']\n${ONE("    labels: [comm, 'arg:filename', pid]\n")}`;
    expect(err(text)).toBe("c.yaml:6:36: label 'pid' is not in the allowed labels");
    expect(err(ONE('    labels: [comm, cgroup]\n'), { allowLabels: ['comm'] })).toBe(
      "c.yaml:5:20: label 'cgroup' is not in the allowed labels",
    );
  });

  it('web config: bad hashes and unknown keys are refused at their position', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), `tsbpf-web-${process.pid}-`));
    try {
      const f = join(dir, 'web.yml');
      writeFileSync(f, 'basic_auth_users:\n  alice: plaintext\n');
      expect(() => readWebConfig(f)).toThrow(`${f}:2:10: the password of alice must be a bcrypt hash`);
      writeFileSync(f, 'tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n');
      expect(() => readWebConfig(f)).toThrow(
        `${f}:2:14: cert_file: cannot read ${join(dir, 'nope.crt')}: ENOENT`,
      );
      writeFileSync(f, 'tls_server_config:\n  certfile: x\n');
      expect(() => readWebConfig(f)).toThrow(`${f}:2:3: unknown key 'certfile' in tls_server_config`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
