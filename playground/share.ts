// The shareable URL: the workspace (program, dialect, input memory, maps) compressed into the
// fragment, so a link carries the program and no server stores anything.

import type { Workspace } from './types.js';

const toBase64Url = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromBase64Url = (text: string): Uint8Array => {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
};

async function through(
  stream: CompressionStream | DecompressionStream,
  data: Uint8Array,
): Promise<Uint8Array> {
  const out = new Response(new Blob([Uint8Array.from(data)]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

/** `#p=…`: deflate-compressed JSON of the workspace. */
export async function encodeWorkspace(ws: Workspace): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(ws));
  return `p=${toBase64Url(await through(new CompressionStream('deflate-raw'), json))}`;
}

/** The workspace in a fragment made by encodeWorkspace; throws on a damaged link. */
export async function decodeWorkspace(fragment: string): Promise<Workspace> {
  const m = /(?:^|&)p=([\w-]+)/.exec(fragment);
  if (!m) throw new Error('no program in the link');
  const json = await through(new DecompressionStream('deflate-raw'), fromBase64Url(m[1]));
  const ws = JSON.parse(new TextDecoder().decode(json)) as Partial<Workspace>;
  if (typeof ws.source !== 'string') throw new Error('the link holds no program text');
  return {
    source: ws.source,
    dialect: ws.dialect === 'ubpf' ? 'ubpf' : 'llvm',
    mem: typeof ws.mem === 'string' ? ws.mem : '',
    maps: Array.isArray(ws.maps) ? ws.maps : [],
  };
}
