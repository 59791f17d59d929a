// HTML for the kernel panel: the verifier's verdict, the test-run result beside the
// interpreter's, and the verifier's log with each line beside the source line it is about.

import type { KernelReply, LogLine } from './kernel.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function logTable(log: readonly LogLine[], source: readonly string[], failingLine?: number): string {
  const rows = log
    .map((l) => {
      const cls = l.line !== undefined && l.line === failingLine ? 'fail' : '';
      const title = l.line ? ` title="${esc(source[l.line - 1]?.trim() ?? '')}"` : '';
      return `<tr class="${cls}"><td${title}>${l.line ? `line ${l.line}` : ''}</td><td>${esc(l.text)}</td></tr>`;
    })
    .join('');
  return `<table class="vlog">${rows}</table>`;
}

/** `interp` is the interpreter's r0 for the same program, or why it has none. */
export function kernelReplyHtml(r: KernelReply, source: readonly string[], interp: bigint | string): string {
  if ('error' in r) return `<p class="bad">${esc(r.error)}</p>`;
  if (r.accepted) {
    const same =
      typeof interp === 'string'
        ? ` <span class="bad">✗ the interpreter: ${esc(interp)}</span>`
        : BigInt(r.r0) === interp
          ? ' <span class="ok">✓ same as the interpreter</span>'
          : ` <span class="bad">✗ the interpreter has 0x${interp.toString(16)}</span>`;
    return `<p class="ok verdict">accepted by the verifier as ${esc(r.progType)} (${r.verifiedInsns} instructions processed)</p><p>BPF_PROG_TEST_RUN: r0 = ${BigInt(r.r0)} (${esc(r.r0)})${same}</p><details><summary>the verifier's walk (${r.log.length} lines)</summary>${logTable(r.log, source)}</details>`;
  }
  return `<p class="bad verdict">rejected by the verifier (${esc(r.code)}): ${esc(r.reason.at(-1) ?? '')}</p>${logTable(r.log, source, r.failingLine)}`;
}
