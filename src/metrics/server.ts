// The exporter's HTTP(S) listener: GET /metrics (Prometheus text, read from the kernel maps at
// the request), /healthz, and a short index. TLS and basic auth come from a web config file.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import { gzipSync } from 'node:zlib';
import type { MetricFamily } from './family.js';
import { renderText, TEXT_CONTENT_TYPE } from './text.js';
import type { WebConfig } from './web-config.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[V6]:PORT`, or `PORT` alone (loopback: binding elsewhere is explicit). */
export function parseListen(text: string): ListenAddress | undefined {
  const m =
    /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

export interface MetricsServerOptions {
  listen: ListenAddress;
  collect: () => MetricFamily[];
  web?: WebConfig;
  log?: (line: string) => void;
}

export class MetricsServer implements AsyncDisposable {
  readonly #server: Server | TlsServer;
  #web: WebConfig;
  readonly #collect: () => MetricFamily[];
  readonly #log: (line: string) => void;
  /** sha256(user:password) of credentials already checked against their bcrypt hash. */
  readonly #verified = new Map<string, Buffer>();

  private constructor(server: Server | TlsServer, opts: MetricsServerOptions) {
    this.#server = server;
    this.#web = opts.web ?? {};
    this.#collect = opts.collect;
    this.#log = opts.log ?? (() => {});
  }

  /** Listens; rejects with a one-line reason (address in use, not permitted, ...). */
  static async start(opts: MetricsServerOptions): Promise<MetricsServer> {
    const tls = opts.web?.tls;
    let self: MetricsServer | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const me = self as MetricsServer;
      me.handle(req, res).catch((err) => {
        me.#log(`${req.method} ${req.url}: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    const server = tls
      ? createTlsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.ca,
            minVersion: tls.minVersion,
            maxVersion: tls.maxVersion,
            requestCert: tls.clientAuth !== 'NoClientCert',
            rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
          },
          handler,
        )
      : createServer(handler);
    self = new MetricsServer(server, opts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `cannot listen on ${opts.listen.host}:${opts.listen.port}: ${err.code === 'EADDRINUSE' ? 'address in use' : err.code === 'EACCES' ? 'permission denied' : err.message}`,
          ),
        ),
      );
      server.listen(opts.listen.port, opts.listen.host, () => resolve());
    });
    // A slow or idle client must not hold the exporter open.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    return self;
  }

  get address(): ListenAddress {
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new Error('not listening');
    return { host: a.address, port: a.port };
  }

  get url(): string {
    const { host, port } = this.address;
    return `${this.#web.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** New users, headers (and certificates: new connections) after a reload. */
  setWebConfig(web: WebConfig): void {
    const tls = web.tls;
    if (tls && 'setSecureContext' in this.#server)
      this.#server.setSecureContext({
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        minVersion: tls.minVersion,
        maxVersion: tls.maxVersion,
      });
    this.#web = web;
    this.#verified.clear();
  }

  /** @internal */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(this.#web.headers ?? {})) res.setHeader(k, v);
    if (!this.#clientCertOk(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('a client certificate is required\n');
      return;
    }
    if (!(await this.#authorized(req))) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tsbpf"', 'content-type': 'text/plain' });
      res.end('unauthorized\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      let body: Buffer = Buffer.from(renderText(this.#collect()));
      const headers: Record<string, string> = { 'content-type': TEXT_CONTENT_TYPE };
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      headers['content-length'] = String(body.length);
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<html><head><title>tsbpf</title></head><body><a href="/metrics">/metrics</a></body></html>\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  #clientCertOk(req: IncomingMessage): boolean {
    const auth = this.#web.tls?.clientAuth;
    if (!auth || auth === 'NoClientCert' || auth === 'RequestClientCert') return true;
    const socket = req.socket as TLSSocket;
    const cert = socket.getPeerCertificate?.();
    const given = cert !== undefined && Object.keys(cert).length > 0;
    if (auth === 'RequireAnyClientCert') return given;
    if (auth === 'VerifyClientCertIfGiven') return !given || socket.authorized;
    return socket.authorized;
  }

  async #authorized(req: IncomingMessage): Promise<boolean> {
    const users = this.#web.users;
    if (!users || users.size === 0) return true;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    const user = text.slice(0, colon);
    const digest = createHash('sha256').update(text).digest();
    const seen = this.#verified.get(user);
    if (seen && timingSafeEqual(seen, digest)) return true;
    // bcrypt costs tens of milliseconds: verified credentials are remembered (as a digest).
    // Through require, loaded on first use: the CLI is one CommonJS bundle (no import() host).
    bcrypt ??= createRequire(import.meta.url)('bcryptjs') as typeof import('bcryptjs');
    const hash = users.get(user);
    // An unknown user costs the same as a wrong password.
    unknownUserHash ??= bcrypt.hashSync(randomBytes(16).toString('hex'), 10);
    const ok = await bcrypt.compare(text.slice(colon + 1), hash ?? unknownUserHash);
    if (ok && hash) this.#verified.set(user, digest);
    return ok && hash !== undefined;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections?.();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

let bcrypt: typeof import('bcryptjs') | undefined;

/** A bcrypt hash of a random password, to compare an unknown user's password with. */
let unknownUserHash: string | undefined;
