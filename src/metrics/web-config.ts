// The web configuration file Prometheus exporters share (`--web.config.file`): TLS for the
// listener and basic-auth users with bcrypt hashes, in the same YAML shape, so an operator's
// existing file works here too.
//
//   tls_server_config:
//     cert_file: server.crt
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert   # optional
//     client_ca_file: ca.crt
//     min_version: TLS12
//   basic_auth_users:
//     prometheus: $2y$10$...                          # bcrypt hash (htpasswd -nBC 10)
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import type { Node } from 'yaml';
import { YamlSource } from './yaml-source.js';

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

const VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

export interface WebConfig {
  tls?: {
    cert: Buffer;
    key: Buffer;
    ca?: Buffer;
    clientAuth: ClientAuthType;
    minVersion?: SecureVersion;
    maxVersion?: SecureVersion;
  };
  /** user → bcrypt hash. */
  users?: Map<string, string>;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** Reads a web config file; a mistake throws ConfigError at FILE:LINE:COL. */
export function readWebConfig(file: string): WebConfig {
  const src: YamlSource = new YamlSource(file, readFileSync(file, 'utf8'));
  if (src.root === null) return {};
  const top = src.mapping(src.root, 'the web config', [
    'tls_server_config',
    'basic_auth_users',
    'http_server_config',
  ]);
  const out: WebConfig = {};
  // Paths are relative to the file, as in the exporters that share the format.
  const read = (node: Node, what: string): Buffer => {
    const path = resolve(dirname(file), src.string(node, what));
    try {
      return readFileSync(path);
    } catch (err) {
      src.fail(node, `${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const tlsNode = top.get('tls_server_config');
  if (tlsNode) {
    const t = src.mapping(tlsNode, 'tls_server_config', [
      'cert_file',
      'key_file',
      'client_auth_type',
      'client_ca_file',
      'min_version',
      'max_version',
    ]);
    const need = (key: string): Node => {
      const v = t.get(key);
      if (!v) src.fail(tlsNode, `tls_server_config has no '${key}'`);
      return v;
    };
    const clientAuth = t.has('client_auth_type')
      ? src.oneOf(t.get('client_auth_type') as Node, 'client_auth_type', CLIENT_AUTH_TYPES)
      : 'NoClientCert';
    const caNode = t.get('client_ca_file');
    if (clientAuth.includes('Verify') && !caNode)
      src.fail(tlsNode, `client_auth_type ${clientAuth} needs client_ca_file`);
    const version = (key: string) => {
      const n = t.get(key);
      return n ? VERSIONS[src.oneOf(n, key, Object.keys(VERSIONS))] : undefined;
    };
    out.tls = {
      cert: read(need('cert_file'), 'cert_file'),
      key: read(need('key_file'), 'key_file'),
      ca: caNode ? read(caNode, 'client_ca_file') : undefined,
      clientAuth,
      minVersion: version('min_version') ?? 'TLSv1.2',
      maxVersion: version('max_version'),
    };
  }
  const usersNode = top.get('basic_auth_users');
  if (usersNode) {
    const users = new Map<string, string>();
    for (const [user, v] of src.entries(usersNode, 'basic_auth_users')) {
      const hash = src.string(v, `the password hash of ${user}`);
      if (!/^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash))
        src.fail(v, `the password of ${user} must be a bcrypt hash (htpasswd -nBC 10 USER)`);
      users.set(user, hash);
    }
    out.users = users;
  }
  const httpNode = top.get('http_server_config');
  if (httpNode) {
    const h = src.mapping(httpNode, 'http_server_config', ['headers']);
    const headersNode = h.get('headers');
    if (headersNode) {
      out.headers = {};
      for (const [k, v] of src.entries(headersNode, 'headers')) out.headers[k] = src.string(v, `header ${k}`);
    }
  }
  return out;
}
