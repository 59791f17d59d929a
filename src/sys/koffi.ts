// koffi (the FFI), loaded once for src/sys through require() so that its load and the dlopen of
// its native addon show as one phase under TSBPF_TIMING (a static import cannot be timed).
import { createRequire } from 'node:module';
import { timed } from '../timing.js';

type Koffi = typeof import('koffi');

const require = createRequire(import.meta.url);
const koffi: Koffi = timed('koffi load (dlopen)', () => require('koffi') as Koffi);
export default koffi;
