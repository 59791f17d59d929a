// `tsbpf playground`'s server: loopback only, only programs, bounded bodies; and the command is
// imported lazily (no other command loads the server or the page code).
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAndRun } from '../../src/playground/kernel.js';
import { MAX_BODY, parseLoadRequest, startPlayground } from '../../src/playground/server.js';
import { kernelDescribe } from '../support/kernel.js';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');

interface Reply {
  status: number;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
) {
  return new Promise<Reply>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('playground server', () => {
  let server: Awaited<ReturnType<typeof startPlayground>>;
  let port = 0;
  let host = '';
  const loads: unknown[] = [];
  beforeAll(async () => {
    server = await startPlayground({
      port: 0,
      root,
      load: (req) => {
        loads.push(req);
        return { error: 'recorded' };
      },
    });
    port = (server.address() as AddressInfo).port;
    host = `127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const json = { 'content-type': 'application/json' };

  it('listens on 127.0.0.1 only', () => {
    expect((server.address() as AddressInfo).address).toBe('127.0.0.1');
  });

  it('serves the page and the lessons, nothing else', async () => {
    const page = await call(port, 'GET', '/', { host });
    expect(page.status).toBe(200);
    expect(page.body).toContain('tsbpf playground');
    expect((await call(port, 'GET', '/learn/01-registers-and-alu.md', { host })).body).toContain(
      '# Registers',
    );
    // Where a lesson's relative link "../playground/index.html" lands.
    expect((await call(port, 'GET', '/playground/index.html', { host })).body).toContain('tsbpf playground');
    for (const path of [
      '/../package.json',
      '/playground/../package.json',
      '/playground/x/../../package.json',
      '/learn/../../package.json',
      '/docs/cli.md',
      '/learn/x.md',
    ])
      expect((await call(port, 'GET', path, { host })).status, path).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin', async () => {
    expect((await call(port, 'GET', '/', { host: `evil.example:${port}` })).status).toBe(403);
    const foreign = await call(
      port,
      'POST',
      '/api/load',
      { host, ...json, origin: 'http://evil.example' },
      '{}',
    );
    expect(foreign.status).toBe(403);
  });

  it('accepts only a program: JSON with source, dialect, mem, maps', async () => {
    loads.length = 0;
    expect((await call(port, 'POST', '/api/load', { host, 'content-type': 'text/plain' }, '{}')).status).toBe(
      415,
    );
    const withPath = await call(
      port,
      'POST',
      '/api/load',
      { host, ...json },
      JSON.stringify({ source: 'exit', path: '/etc/passwd' }),
    );
    expect(withPath.status).toBe(400);
    expect(withPath.body).toContain('unknown field path');
    expect((await call(port, 'POST', '/api/load', { host, ...json }, 'not json')).status).toBe(400);
    expect(
      (await call(port, 'POST', '/api/load', { host, ...json }, JSON.stringify({ source: 1 }))).status,
    ).toBe(400);
    expect((await call(port, 'POST', '/api/other', { host, ...json }, '{}')).status).toBe(405);
    expect(loads).toEqual([]);
    const ok = await call(
      port,
      'POST',
      '/api/load',
      { host, ...json },
      JSON.stringify({ source: 'r0 = 1\nexit', mem: '01 02' }),
    );
    expect(ok.status).toBe(200);
    expect(loads).toEqual([
      { source: 'r0 = 1\nexit', dialect: 'llvm', mem: Uint8Array.from([1, 2]), maps: [] },
    ]);
  });

  it('refuses a body over the limit without reading it all', async () => {
    loads.length = 0;
    const big = Buffer.alloc(MAX_BODY + 1, 0x20);
    const declared = await call(port, 'POST', '/api/load', { host, ...json }, big);
    expect(declared).toMatchObject({ status: 413, body: expect.stringContaining('over') });
    // Without a length up front (chunked), the server stops at the limit.
    const streamed = await new Promise<number | string>((ok) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/api/load', headers: { host, ...json } },
        (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        },
      );
      // The server may cut the upload short once it has answered.
      req.on('error', (e: NodeJS.ErrnoException) => ok(e.code ?? 'error'));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = (n: number): void => {
        if (n === 0) return void req.end();
        if (req.write(chunk)) write(n - 1);
        else req.once('drain', () => write(n - 1));
      };
      write(64);
    });
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(streamed);
    expect(loads).toEqual([]);
  });

  it('parseLoadRequest names what is wrong', () => {
    expect(() => parseLoadRequest(JSON.stringify({ source: 'exit', dialect: 'x86' }))).toThrow(
      'dialect must be llvm or ubpf',
    );
    expect(() => parseLoadRequest(JSON.stringify({ source: 'exit', mem: 'zz' }))).toThrow(
      'mem must be hex bytes',
    );
    expect(() => parseLoadRequest(JSON.stringify({ source: 'exit', maps: [{}] }))).toThrow(
      'each map needs a name',
    );
  });
});

describe('the playground command is loaded lazily', () => {
  it('no static import from the CLI entry reaches the playground', () => {
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(
        /^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm,
      )) {
        if (m[1].startsWith('.')) walk(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
      }
    };
    walk(resolve(root, 'src/cli/main.ts'));
    expect([...seen].map((f) => f.slice(root.length)).filter((f) => /playground/.test(f))).toEqual([]);
    expect(seen.size).toBeGreaterThan(1);
  });

  it.skipIf(!existsSync(resolve(root, 'dist/cli/commands/playground.cjs')))(
    "the server is only in the playground command's bundle, run only by the command",
    () => {
      const launcher = readFileSync(resolve(root, 'dist/cli/tsbpf.js'), 'utf8');
      expect(launcher).not.toContain('playground/server');
      for (const other of ['tsbpf.cjs', 'commands/trace.cjs', 'commands/asm.cjs'])
        expect(readFileSync(resolve(root, 'dist/cli', other), 'latin1')).not.toContain('playground/server');
      // In the command's bundle the server module's top-level code is a lazily run initializer
      // (esbuild's __esm; its functions are hoisted out, defined but not compiled or run).
      const bundle = readFileSync(resolve(root, 'dist/cli/commands/playground.cjs'), 'latin1');
      const init = /var (\w+)=__esm\(\{"dist\/src\/playground\/server\.js"\(\)\{/.exec(bundle)?.[1];
      expect(init).toBeDefined();
      // One call, the dynamic import esbuild made of the command's `await import('…/server.js')`.
      expect(bundle.split(`${init}()`).length - 1).toBe(1);
      expect(bundle).toContain(`Promise.resolve().then(()=>(${init}(),`);
    },
  );
});

kernelDescribe('playground kernel runs', ['prog_load', 'test_run', 'maps'], () => {
  it('a bad request is an error, not a crash', () => {
    expect(loadAndRun({ source: 'r0 = ', dialect: 'llvm', mem: new Uint8Array(0), maps: [] })).toMatchObject({
      error: expect.stringContaining('1:'),
    });
    const maps = [{ name: 'm', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 1 }];
    expect(
      loadAndRun({ source: 'r0 = 0\nexit', dialect: 'llvm', mem: new Uint8Array(0), maps }),
    ).toMatchObject({
      error: expect.stringContaining('type must be one of'),
    });
  });

  it('r0 is the full 64 bits, as in the interpreter', () => {
    const reply = loadAndRun({
      source: 'r0 = 0x1122334455667788 ll\nexit',
      dialect: 'llvm',
      mem: new Uint8Array(0),
      maps: [],
    });
    expect(reply).toMatchObject({ accepted: true, r0: '0x1122334455667788' });
  });
});
