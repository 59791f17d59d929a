// Network namespaces for the calling thread: enterNetns() moves this thread (Node's main thread,
// where sockets, netlink requests and BPF_LINK_CREATE on an ifindex are made) into a named
// namespace and moves it back on leave()/dispose. Interface names, ifindexes and sockets created
// meanwhile belong to that namespace; a socket keeps its namespace after we leave.
import { closeSync, openSync } from 'node:fs';
import { SysError } from '../sys/errno.js';
import { lastErrno, setns } from '../sys/libc.js';

const CLONE_NEWNET = 0x4000_0000;

/** The thread is inside another network namespace until leave() (or `using` ends). */
export interface NetnsScope extends Disposable {
  /** Moves the thread back to the namespace it was in. Safe to call more than once. */
  leave(): void;
}

/** The path of a namespace given by name (`ip netns add NAME` makes /run/netns/NAME) or by path. */
export function netnsPath(nameOrPath: string): string {
  return nameOrPath.includes('/') ? nameOrPath : `/run/netns/${nameOrPath}`;
}

/** Moves the calling thread into network namespace `nameOrPath` until the scope is left. */
export function enterNetns(nameOrPath: string): NetnsScope {
  const path = netnsPath(nameOrPath);
  const back = openSync('/proc/thread-self/ns/net', 'r');
  let target: number;
  try {
    target = openSync(path, 'r');
  } catch (err) {
    closeSync(back);
    throw err;
  }
  try {
    if (setns(target, CLONE_NEWNET) !== 0) {
      const errno = lastErrno();
      closeSync(back);
      throw new SysError(`setns ${path}`, errno);
    }
  } finally {
    closeSync(target);
  }
  let left = false;
  const leave = (): void => {
    if (left) return;
    left = true;
    const r = setns(back, CLONE_NEWNET);
    const errno = lastErrno();
    closeSync(back);
    if (r !== 0) throw new SysError('setns back to the original network namespace', errno);
  };
  return { leave, [Symbol.dispose]: leave };
}
