// The page's side of `tsbpf playground`: asks the local server (when the page came from one)
// whether it can use the kernel, and sends it the program to load and test-run.

import type { MapDecl } from './types.js';

export interface KernelInfo {
  readonly kernel: boolean;
  /** Why not, when kernel is false (not root, no bpf(2) …). */
  readonly reason?: string;
  readonly release?: string;
}

/** One line of the verifier log, placed at the source line of the instruction it is about. */
export interface LogLine {
  readonly text: string;
  readonly slot?: number;
  readonly line?: number;
}

export type KernelReply =
  | {
      readonly accepted: true;
      readonly verifiedInsns: number;
      readonly r0: string;
      readonly progType: string;
      /** The verifier's walk (log level 2), each line at its source line. */
      readonly log: readonly LogLine[];
    }
  | {
      readonly accepted: false;
      readonly code: string;
      readonly reason: readonly string[];
      readonly log: readonly LogLine[];
      readonly failingLine?: number;
    }
  | { readonly error: string };

export async function kernelInfo(): Promise<KernelInfo | undefined> {
  if (!location.protocol.startsWith('http')) return undefined;
  try {
    const r = await fetch('api/info');
    return r.ok ? ((await r.json()) as KernelInfo) : undefined;
  } catch {
    return undefined;
  }
}

export async function loadInKernel(req: {
  source: string;
  dialect: string;
  mem: string;
  maps: readonly MapDecl[];
}): Promise<KernelReply> {
  const r = await fetch('api/load', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(req),
  });
  const body = (await r.json()) as KernelReply;
  return body;
}
