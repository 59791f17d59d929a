// docs/fleet.md stays true: its ts blocks run, its serve and web configurations are read by the
// parsers tsbpf serve uses, the error line it shows is the one the parser gives, its scrape
// configuration passes promtool, and the Kubernetes manifest parses with the mounts it promises.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseServeConfig } from '../../src/metrics/config.js';
import { readWebConfig } from '../../src/metrics/web-config.js';
import { runDocBlocks } from '../support/doc-blocks.js';
import { selfSignedCert } from './servers.js';

runDocBlocks('fleet.md', 2);

const doc = readFileSync(new URL('../../docs/fleet.md', import.meta.url), 'utf8');
const blocks = (lang: string) =>
  [...doc.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] as string);
const yamlBlock = (first: string) => {
  const b = blocks('yaml').find((x) => x.startsWith(first));
  if (!b) throw new Error(`no yaml block starting '${first}'`);
  return b;
};

describe('docs/fleet.md configurations', () => {
  it('the serve configuration parses, and its error example is what the parser says', () => {
    const text = yamlBlock('# tsbpf serve config');
    const c = parseServeConfig('/etc/tsbpf/serve.yaml', text);
    expect(c.metrics.map((m) => m.name)).toEqual([
      'openat_calls_total',
      'read_bytes_total',
      'vfs_read_latency_seconds',
    ]);
    const shown = /^tsbpf serve: (.*)$/m.exec(doc)?.[1];
    expect(() =>
      parseServeConfig(
        '/etc/tsbpf/serve.yaml',
        text.replace('    labels: [comm, cgroup]', '    labels: [comm, bogus]'),
      ),
    ).toThrow(shown);
  });

  it('the web configuration parses (with certificates beside it)', () => {
    const dir = mkdtempSync(join(tmpdir(), `tsbpf-fleet-${process.pid}-`));
    try {
      selfSignedCert(dir);
      writeFileSync(join(dir, 'web.yml'), yamlBlock('# web config'));
      const web = readWebConfig(join(dir, 'web.yml'));
      expect([...(web.users?.keys() ?? [])]).toEqual(['prometheus']);
      expect(web.tls?.minVersion).toBe('TLSv1.2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(spawnSync('promtool', ['--version']).status !== 0)(
    'promtool accepts the scrape configuration',
    () => {
      const dir = mkdtempSync(join(tmpdir(), `tsbpf-fleet-${process.pid}-`));
      try {
        const text = yamlBlock('# prometheus scrape config')
          .replace('/etc/prometheus/tsbpf-ca.crt', join(dir, 'ca.crt'))
          .replace('/etc/prometheus/tsbpf.password', join(dir, 'password'));
        writeFileSync(join(dir, 'ca.crt'), readFileSync(selfSignedCert(dir).cert));
        writeFileSync(join(dir, 'password'), 'change-me\n');
        writeFileSync(join(dir, 'prometheus.yml'), text);
        const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], {
          encoding: 'utf8',
        });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('the DaemonSet has hostPID, the tracefs, bpffs and BTF mounts, and a serve config that parses', () => {
    const docs = parseAllDocuments(yamlBlock('# kubernetes'));
    for (const d of docs) expect(d.errors).toEqual([]);
    const [configMap, ds] = docs.map((d) => d.toJS()) as [
      { data: Record<string, string> },
      { spec: { template: { spec: unknown } } },
    ];
    expect(parseServeConfig('serve.yaml', configMap.data['serve.yaml'] as string).metrics).toHaveLength(1);
    const pod = ds.spec.template.spec as { hostPID: boolean; volumes: { hostPath?: { path: string } }[] };
    expect(pod.hostPID).toBe(true);
    const paths = pod.volumes.map((v) => v.hostPath?.path);
    for (const p of ['/sys/kernel/tracing', '/sys/fs/bpf', '/sys/kernel/btf']) expect(paths).toContain(p);
  });
});
