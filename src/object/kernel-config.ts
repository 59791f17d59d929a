// The running kernel's side of `.kconfig` externs: its release (uname -r) and its config, from
// /proc/config.gz or /boot/config-$(uname -r), read once per process.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { release } from 'node:os';
import { type KconfigSource, kernelVersionCode, parseKernelConfig } from '../format/object/kconfig.js';

let cached: Map<string, string> | null | undefined;

/** The kernel's config as KEY → raw value text (`y`, `m`, `"str"`, `100`); read once per process. */
export function readKernelConfig(): Map<string, string> | undefined {
  if (cached === undefined) cached = readConfigFile() ?? null;
  return cached ?? undefined;
}

function readConfigFile(): Map<string, string> | undefined {
  let text: string | undefined;
  try {
    // zlib (~3 ms to load) only here, and only for an object that reads kconfig.
    if (existsSync('/proc/config.gz')) {
      const { gunzipSync } = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
      text = gunzipSync(readFileSync('/proc/config.gz')).toString('latin1');
    } else if (existsSync(`/boot/config-${release()}`))
      text = readFileSync(`/boot/config-${release()}`, 'latin1');
  } catch {
    text = undefined;
  }
  return text === undefined ? undefined : parseKernelConfig(text);
}

/** KERNEL_VERSION(a, b, c) of the running kernel, or of `rel` (c capped at 255, as the kernel does). */
export function linuxKernelVersion(rel = release()): number {
  return kernelVersionCode(rel);
}

/** The running kernel's release and config, for fillKconfig. */
export function runningKernelConfig(): KconfigSource {
  return { release: release(), config: readKernelConfig() };
}
