// Values for `.kconfig` externs, written into the .kconfig map's bytes: LINUX_KERNEL_VERSION from a
// kernel release, CONFIG_* from the text of a kernel config. Reading the running kernel's release
// and config is the loader's part (src/object/kernel-config.ts).
import type { ExternSpec } from './spec.js';

/** A kernel config's text (`CONFIG_FOO=y` lines) as KEY → raw value text (`y`, `m`, `"str"`, `100`). */
export function parseKernelConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** KERNEL_VERSION(a, b, c) of a kernel release string (c capped at 255, as the kernel does). */
export function kernelVersionCode(rel: string): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  if (!m) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(255, Number(m[3] ?? 0));
}

/** A missing non-weak extern, or a value that does not fit. */
export class KconfigError extends Error {
  override name = 'KconfigError';
}

/** Where .kconfig values come from: the kernel's release and config (undefined: none found). */
export interface KconfigSource {
  release: string;
  config: ReadonlyMap<string, string> | undefined;
}

/**
 * Fills `data` (the .kconfig map value) for `externs`. `overrides` win over the kernel's values
 * (KEY → `y`/`m`/`n`/number/string).
 */
export function fillKconfig(
  data: Uint8Array,
  externs: readonly ExternSpec[],
  overrides: ReadonlyMap<string, string>,
  { release, config }: KconfigSource,
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const e of externs) {
    if (e.section !== '.kconfig') continue;
    let raw = overrides.get(e.name);
    if (raw === undefined && e.name === 'LINUX_KERNEL_VERSION') raw = String(kernelVersionCode(release));
    if (raw === undefined && e.name === 'LINUX_HAS_BPF_COOKIE') raw = 'y';
    if (raw === undefined) raw = config?.get(e.name);
    if (raw === undefined) {
      if (e.weak) continue; // zero, as libbpf leaves a missing __weak extern
      throw new KconfigError(
        `.kconfig extern '${e.name}' has no value ${config ? 'in the kernel config' : '(no /proc/config.gz or /boot/config-*)'}; declare it __weak or set it`,
      );
    }
    let value: bigint;
    if (raw === 'y') value = 1n;
    else if (raw === 'm') value = 2n;
    else if (raw === 'n') value = 0n;
    else if (/^-?(0x[0-9a-f]+|\d+)$/i.test(raw)) value = BigInt(raw);
    else {
      const s = raw.replace(/^"|"$/g, '');
      const bytes = new TextEncoder().encode(s);
      if (bytes.byteLength >= e.size)
        throw new KconfigError(`.kconfig '${e.name}' string "${s}" does not fit its ${e.size}-byte array`);
      data.set(bytes, e.offset);
      continue;
    }
    if (e.size === 1) view.setUint8(e.offset, Number(BigInt.asUintN(8, value)));
    else if (e.size === 2) view.setUint16(e.offset, Number(BigInt.asUintN(16, value)), true);
    else if (e.size === 4) view.setUint32(e.offset, Number(BigInt.asUintN(32, value)), true);
    else if (e.size === 8) view.setBigUint64(e.offset, BigInt.asUintN(64, value), true);
    else throw new KconfigError(`.kconfig '${e.name}' has size ${e.size}, not 1, 2, 4 or 8`);
  }
}
