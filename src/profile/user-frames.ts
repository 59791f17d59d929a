// The default namer of user frames for profiles. (Replaced by the user-stack symbolizer.)
import type { UserFrameNamer } from './join.js';

export function defaultUserFrames(): UserFrameNamer {
  return {
    see() {},
    names: (_pid, addrs) => addrs.map((a) => ({ name: `[unknown]+0x${a.toString(16)}`, js: false })),
  };
}
