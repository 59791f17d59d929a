// Stack symbolization: user stacks (ELF symbols, perf maps, demangled C++) and kernel stacks.

export { demangle } from '../format/symbols/demangle.js';
export type { Frame, FrameKind } from '../format/symbols/frame.js';
export { frameName, frameText } from '../format/symbols/frame.js';
export { type Binary, BinaryCache, type BinaryCacheOptions } from './binaries.js';
export {
  kernelFrames,
  ProcessSymbols,
  UserSymbolizer,
  type UserSymbolizerOptions,
} from './user-symbolizer.js';
