// The default namer of a profile's user frames: the user-stack symbolizer (ELF symbols per build
// id, Node's perf map for JavaScript, C++ demangled; module+offset where nothing names a frame).
// A process's mappings are captured when `see` first meets its pid.
import { frameName } from '../format/symbols/frame.js';
import { UserSymbolizer, type UserSymbolizerOptions } from '../symbols/user-symbolizer.js';
import type { UserFrameNamer } from './join.js';

export function defaultUserFrames(opts: UserSymbolizerOptions = {}): UserFrameNamer {
  const symbols = new UserSymbolizer(opts);
  return {
    see: (pid) => {
      symbols.forPid(pid);
    },
    names: (pid, addresses) =>
      symbols.symbolize(pid, addresses).map((f) => ({ name: frameName(f), js: f.kind === 'js' })),
  };
}
