// Input/output helpers shared by the text-tool commands (asm, disasm): FILE or '-' for stdin,
// -o OUT or stdout.
import { isAscii } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';

export function readInput(path: string | undefined): Buffer {
  return path === undefined || path === '-' ? readFileSync(0) : readFileSync(path);
}

/** The input as text: an ASCII file (assembly nearly always is) decodes as latin1, a plain copy. */
export function readInputText(path: string | undefined): string {
  const bytes = readInput(path);
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

export function writeOutput(path: string | undefined, data: string | Uint8Array): void {
  if (path === undefined || path === '-') process.stdout.write(data);
  else writeFileSync(path, data);
}

/** One slot per line as 8 space-separated lowercase byte pairs. */
export function toHexLines(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.byteLength; i += 8) {
    const row: string[] = [];
    for (let j = i; j < Math.min(i + 8, bytes.byteLength); j++)
      row.push(bytes[j].toString(16).padStart(2, '0'));
    out += `${row.join(' ')}\n`;
  }
  return out;
}

/** Parses hex text (any whitespace, optional 0x per byte, `#` comments) into bytes. */
export function fromHexText(text: string, name: string): Uint8Array {
  const out: number[] = [];
  const lines = text.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].replace(/[#;].*/, '');
    const re = /\S+/g;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      const tok = m[0].replace(/^0x/i, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(tok))
        throw new Error(`${name}:${ln + 1}:${m.index + 1}: '${m[0]}' is not hex bytes`);
      for (let i = 0; i < tok.length; i += 2) out.push(Number.parseInt(tok.slice(i, i + 2), 16));
    }
  }
  return Uint8Array.from(out);
}
