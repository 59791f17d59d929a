// The HTTP side of `tsbpf playground`: serves the static page from docs/playground/ and one
// kernel endpoint. Loopback only (it binds 127.0.0.1, refuses other peers and foreign Host
// headers, so a web page elsewhere cannot reach it through DNS rebinding), the only input it
// acts on is a program (text, input bytes, map shapes: no paths, no other commands), and
// request bodies are size-limited.

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LoadReply, LoadRequest, MapRequest } from './kernel.js';

/** Largest request body accepted (a program of 4096 lines fits easily). */
export const MAX_BODY = 256 * 1024;

export interface PlaygroundOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The package root (holds docs/playground and docs/learn). */
  readonly root: string;
  /** Why the kernel cannot be used, or undefined when it can. */
  readonly noKernel?: string;
  /** Loads and runs a program in the kernel (injected so the server has no koffi import). */
  readonly load?: (req: LoadRequest) => LoadReply;
  readonly release?: string;
}

const STATIC: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/playground.js': ['playground.js', 'text/javascript; charset=utf-8'],
  '/examples.js': ['examples.js', 'text/javascript; charset=utf-8'],
};

const isLoopback = (addr: string | undefined): boolean =>
  addr !== undefined && (/^127\./.test(addr) || addr === '::1' || /^::ffff:127\./.test(addr));

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    ...res.getHeaders(),
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The page needs nothing from elsewhere.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json', JSON.stringify(value));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) return reject(new RequestError(413, `request body over ${MAX_BODY} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Stop reading; the reply closes the connection (see below).
        req.off('data', onData);
        req.pause();
        reject(new RequestError(413, `request body over ${MAX_BODY} bytes`));
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hexBytes(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new RequestError(400, 'mem must be a string of hex bytes');
  const clean = text.replace(/0x/gi, ' ').replace(/[,\s]+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new RequestError(400, 'mem must be hex bytes');
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** The one shape a load request may have; anything else is a 400. */
export function parseLoadRequest(body: string): LoadRequest {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new RequestError(400, 'the body is not JSON');
  }
  if (typeof v !== 'object' || v === null) throw new RequestError(400, 'the body must be an object');
  const extra = Object.keys(v).filter((k) => !['source', 'dialect', 'mem', 'maps'].includes(k));
  if (extra.length) throw new RequestError(400, `unknown field ${extra.join(', ')}`);
  if (typeof v.source !== 'string') throw new RequestError(400, 'source must be the program text');
  const dialect = v.dialect ?? 'llvm';
  if (dialect !== 'llvm' && dialect !== 'ubpf') throw new RequestError(400, 'dialect must be llvm or ubpf');
  const maps = v.maps ?? [];
  if (!Array.isArray(maps)) throw new RequestError(400, 'maps must be a list');
  const shaped: MapRequest[] = maps.map((m: Record<string, unknown>) => {
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || typeof m.type !== 'string')
      throw new RequestError(400, 'each map needs a name and a type');
    return {
      name: m.name,
      type: m.type,
      keySize: Number(m.keySize),
      valueSize: Number(m.valueSize),
      maxEntries: Number(m.maxEntries),
    };
  });
  return { source: v.source, dialect, mem: hexBytes(v.mem ?? ''), maps: shaped };
}

export function startPlayground(opts: PlaygroundOptions): Promise<Server> {
  const pageDir = join(opts.root, 'docs/playground');
  const learnDir = join(opts.root, 'docs/learn');
  const lessons = new Set(readdirSync(learnDir).filter((f) => f.endsWith('.md')));
  let port = opts.port;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isLoopback(req.socket.remoteAddress)) throw new RequestError(403, 'loopback connections only');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      throw new RequestError(403, `unexpected Host '${host}'`);
    const url = new URL(req.url ?? '/', `http://${host}`);
    // The page also answers under /playground/, where the lessons' relative links point.
    const path = url.pathname.replace(/^\/playground(?=\/)/, '');
    if (req.method === 'GET' || req.method === 'HEAD') {
      const file = STATIC[path];
      if (file) return send(res, 200, file[1], readFileSync(join(pageDir, file[0])));
      const lesson = /^\/learn\/([\w-]+\.md)$/.exec(path)?.[1];
      if (lesson && lessons.has(lesson))
        return send(res, 200, 'text/plain; charset=utf-8', readFileSync(join(learnDir, lesson)));
      if (path === '/api/info')
        return json(res, 200, {
          kernel: opts.noKernel === undefined,
          reason: opts.noKernel,
          release: opts.release,
        });
      throw new RequestError(404, 'not found');
    }
    if (req.method === 'POST' && path === '/api/load') {
      // A JSON content type makes a cross-site request need a preflight we never answer.
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        throw new RequestError(415, 'send application/json');
      const origin = req.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`) throw new RequestError(403, 'foreign origin');
      const request = parseLoadRequest(await readBody(req));
      if (opts.noKernel !== undefined || !opts.load)
        throw new RequestError(503, opts.noKernel ?? 'no kernel');
      return json(res, 200, opts.load(request));
    }
    throw new RequestError(405, 'method not allowed');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof RequestError ? e.status : 500;
      if (status === 413) {
        // The rest of the body is never read: answer, then drop the connection.
        res.setHeader('connection', 'close');
        res.on('finish', () => req.socket.destroy());
      }
      if (!res.headersSent) json(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      server.off('error', reject);
      resolve(server);
    });
  });
}
