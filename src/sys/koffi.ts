// koffi (the FFI), loaded once for src/sys through require() so that its load and the dlopen of
// its native addon show as one phase under TSBPF_TIMING (a static import cannot be timed).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed } from '../timing.js';

type Koffi = typeof import('koffi');

const require = createRequire(import.meta.url);

/** The version of the koffi that `require('koffi')` would load: the first node_modules/koffi up. */
function koffiVersion(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      return JSON.parse(readFileSync(join(dir, 'node_modules/koffi/package.json'), 'utf8')).version;
    } catch {
      if (dirname(dir) === dir) return undefined;
    }
  }
}

/**
 * koffi's own loader (it reads node's ELF header to tell glibc from musl, then requires its
 * platform package) is ~7 of the ~10 ms koffi takes to load. Its prebuilt glibc addon is what that
 * loader picks on glibc Linux: loaded directly when it is that koffi's version, koffi's loader
 * where that fails (musl, another layout or version). The addon's exports are koffi's API; the
 * loader only adds wrappers for deprecated calls, which nothing here uses.
 */
function load(): Koffi {
  const { platform, arch } = process;
  try {
    const native = require(`@koromix/koffi-${platform}-${arch}/${platform}_${arch}/koffi.node`) as Koffi;
    if (native.version === koffiVersion() && typeof native.load === 'function') return native;
  } catch {
    // not there, or not loadable on this libc: koffi's own loader decides.
  }
  return require('koffi') as Koffi;
}

const koffi: Koffi = timed('koffi load (dlopen)', load);
export default koffi;
