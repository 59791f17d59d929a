// The listener's TLS client authentication, as a web config file sets it: with
// RequireAndVerifyClientCert only a certificate signed by client_ca_file gets /metrics; with
// RequireAnyClientCert any certificate does, and none does not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsServer } from '../../src/metrics/server.js';
import { readWebConfig } from '../../src/metrics/web-config.js';
import { selfSignedCert } from './servers.js';

let dir: string;
const openssl = (...args: string[]) => {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
};
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `tsbpf-web-${process.pid}-`));
  selfSignedCert(dir);
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=clients-ca',
  );
  openssl('req', ...EC, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=prometheus');
  openssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'client.crt',
    '-days',
    '1',
  );
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'stranger.key',
    '-out',
    'stranger.crt',
    '-days',
    '1',
    '-subj',
    '/CN=stranger',
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GET /metrics with an optional client certificate: the status, or the TLS error's code. */
function get(url: string, client?: 'client' | 'stranger'): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/metrics`,
      {
        ca: readFileSync(join(dir, 'server.crt')),
        ...(client
          ? { cert: readFileSync(join(dir, `${client}.crt`)), key: readFileSync(join(dir, `${client}.key`)) }
          : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}

async function serverWith(clientAuth: string): Promise<MetricsServer> {
  const file = join(dir, `web-${clientAuth}.yml`);
  writeFileSync(
    file,
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: ${clientAuth}\n  client_ca_file: ca.crt\n`,
  );
  return MetricsServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    collect: () => [],
    web: readWebConfig(file),
  });
}

describe('web config TLS client authentication', () => {
  it('RequireAndVerifyClientCert: only a certificate from client_ca_file', async () => {
    await using server = await serverWith('RequireAndVerifyClientCert');
    expect(await get(server.url, 'client')).toBe(200);
    expect(await get(server.url, 'stranger')).not.toBe(200);
    expect(await get(server.url)).not.toBe(200);
  });

  it('RequireAnyClientCert: any certificate, but one', async () => {
    await using server = await serverWith('RequireAnyClientCert');
    expect(await get(server.url, 'stranger')).toBe(200);
    expect(await get(server.url)).toBe(403);
  });

  it('VerifyClientCertIfGiven: none is fine, a stranger is not', async () => {
    await using server = await serverWith('VerifyClientCertIfGiven');
    expect(await get(server.url)).toBe(200);
    expect(await get(server.url, 'client')).toBe(200);
    expect(await get(server.url, 'stranger')).toBe(403);
  });
});
