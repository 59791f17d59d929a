// A fake bpf(2) behind the syscall funnel, for unit tests of map/program/link LOGIC without root
// (error mapping, size checks, iteration, pin/fromId flows). It reads attrs with the same layouts
// the encoders write (so a layout slip shows up in the real-kernel tests, not here), keeps hash
// and array maps, programs and pins in memory, and fails a command with an errno on request.
// It is not a kernel model: the real-kernel tests stay the authority on behaviour.
import {
  GetId,
  InfoByFd,
  LinkCreate,
  LinkInfo,
  MapBatch,
  MapCreate,
  MapElem,
  MapInfo,
  ObjPin,
  ProgInfo,
  ProgLoad,
  RawTracepointOpen,
  TestRun,
} from '../../src/sys/attr.js';
import { Cmd } from '../../src/sys/bpf.js';
import { Errno } from '../../src/sys/errno.js';
import type { SyscallFunnel } from '../../src/sys/funnel.js';
import { MapType } from '../../src/sys/types.js';

interface FakeMap {
  kind: 'map';
  id: number;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  /** hex key → value, in insertion order (the fake's "kernel order"). */
  entries: Map<string, Buffer>;
  frozen: boolean;
}

interface FakeProgram {
  kind: 'prog';
  id: number;
  type: number;
  name: string;
  insnCount: number;
  mapIds: number[];
}

interface FakeLink {
  kind: 'link';
  id: number;
  type: number;
  progId: number;
}

type FakeObject = FakeMap | FakeProgram | FakeLink;

export interface FakeCall {
  cmd: number;
  fd?: number;
}

/** The fake: a SyscallFunnel plus what a test inspects or arranges. */
export class FakeKernel implements SyscallFunnel {
  readonly calls: FakeCall[] = [];
  /** fds open now (a test asserts none leak). */
  readonly fds = new Map<number, FakeObject>();
  readonly pins = new Map<string, FakeObject>();
  /** What a PROG_LOAD with a log writes there, when loads are set to fail. */
  verifierLog = '';
  /** PROG_TEST_RUN's retval. */
  retval = 0;
  /** The name the last RAW_TRACEPOINT_OPEN gave (not for a NULL name). */
  lastTracepoint = '';
  /** The bytecode of the last PROG_LOAD that succeeded. */
  lastInsns: Buffer = Buffer.alloc(0);
  readonly #objects: FakeObject[] = [];
  readonly #memory = new Map<number, Uint8Array>();
  readonly #failures: { cmd: number; errno: number; times: number }[] = [];
  #nextAddress = 0x10_0000;
  #nextFd = 1000;

  /** The next `times` calls of `cmd` fail with `errno`. */
  fail(cmd: number, errno: number, times = 1): this {
    this.#failures.push({ cmd, errno, times });
    return this;
  }

  /** Adds a map as if another process made it (for fromId / ids tests). */
  addMap(m: Omit<FakeMap, 'kind' | 'id' | 'entries' | 'frozen'>): number {
    const map: FakeMap = {
      kind: 'map',
      id: this.#objects.length + 1,
      entries: new Map(),
      frozen: false,
      ...m,
    };
    this.#objects.push(map);
    return map.id;
  }

  addressOf(buf: Uint8Array): bigint {
    const at = this.#nextAddress;
    this.#nextAddress += Math.ceil(Math.max(buf.byteLength, 1) / 4096) * 4096 + 4096;
    this.#memory.set(at, buf);
    return BigInt(at);
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw new Error(`fake kernel: close of fd ${fd} it never returned (or twice)`);
  }

  bpfAt(cmd: number, attrAddress: number, size: number): number {
    return this.bpf(cmd, this.#at(BigInt(attrAddress)), size);
  }

  bpf(cmd: number, attr: Uint8Array, size: number): number {
    const a = Buffer.from(attr.buffer, attr.byteOffset, size);
    this.calls.push({ cmd });
    const f = this.#failures.find((x) => x.cmd === cmd && x.times > 0);
    if (f) {
      f.times--;
      if (cmd === Cmd.PROG_LOAD && a.readUInt32LE(ProgLoad.log_level) > 0) this.#writeLog(a);
      return -f.errno;
    }
    try {
      return this.#dispatch(cmd, a);
    } catch (e) {
      if (typeof e === 'number') return -e;
      throw e;
    }
  }

  #dispatch(cmd: number, a: Buffer): number {
    switch (cmd) {
      case Cmd.MAP_CREATE: {
        const map: FakeMap = {
          kind: 'map',
          id: this.#objects.length + 1,
          type: a.readUInt32LE(MapCreate.map_type),
          keySize: a.readUInt32LE(MapCreate.key_size),
          valueSize: a.readUInt32LE(MapCreate.value_size),
          maxEntries: a.readUInt32LE(MapCreate.max_entries),
          flags: a.readUInt32LE(MapCreate.map_flags),
          name: cstr(a, MapCreate.map_name, 16),
          entries: new Map(),
          frozen: false,
        };
        if (map.maxEntries === 0) throw Errno.EINVAL;
        this.#objects.push(map);
        return this.#open(map);
      }
      case Cmd.MAP_LOOKUP_ELEM:
      case Cmd.MAP_UPDATE_ELEM:
      case Cmd.MAP_DELETE_ELEM:
      case Cmd.MAP_LOOKUP_AND_DELETE_ELEM:
      case Cmd.MAP_GET_NEXT_KEY:
        return this.#elem(cmd, a);
      case Cmd.MAP_UPDATE_BATCH: {
        const m = this.#map(a.readUInt32LE(MapBatch.map_fd));
        const n = a.readUInt32LE(MapBatch.count);
        const keys = this.#at(a.readBigUInt64LE(MapBatch.keys));
        const values = this.#at(a.readBigUInt64LE(MapBatch.values));
        for (let i = 0; i < n; i++) {
          const key = Buffer.from(keys.subarray(i * m.keySize, (i + 1) * m.keySize));
          this.#update(m, key, Buffer.from(values.subarray(i * m.valueSize, (i + 1) * m.valueSize)), 0);
        }
        return 0;
      }
      case Cmd.MAP_FREEZE:
        this.#map(a.readUInt32LE(MapElem.map_fd)).frozen = true;
        return 0;
      case Cmd.PROG_LOAD: {
        const prog: FakeProgram = {
          kind: 'prog',
          id: this.#objects.length + 1,
          type: a.readUInt32LE(ProgLoad.prog_type),
          name: cstr(a, ProgLoad.prog_name, 16),
          insnCount: a.readUInt32LE(ProgLoad.insn_cnt),
          mapIds: [],
        };
        this.#at(a.readBigUInt64LE(ProgLoad.license));
        this.lastInsns = Buffer.from(
          this.#at(a.readBigUInt64LE(ProgLoad.insns)).subarray(0, prog.insnCount * 8),
        );
        this.#objects.push(prog);
        return this.#open(prog);
      }
      case Cmd.PROG_TEST_RUN: {
        this.#object(a.readUInt32LE(TestRun.prog_fd), 'prog');
        a.writeUInt32LE(this.retval, TestRun.retval);
        const n = a.readUInt32LE(TestRun.data_size_in);
        const outSize = a.readUInt32LE(TestRun.data_size_out);
        if (n > 0 && outSize > 0) {
          const data = this.#at(a.readBigUInt64LE(TestRun.data_in));
          this.#at(a.readBigUInt64LE(TestRun.data_out)).set(data.subarray(0, Math.min(n, outSize)));
        }
        a.writeUInt32LE(Math.min(n, outSize), TestRun.data_size_out);
        return 0;
      }
      case Cmd.OBJ_PIN: {
        const path = cstr(this.#at(a.readBigUInt64LE(ObjPin.pathname)), 0, 4096);
        if (this.pins.has(path)) throw Errno.EEXIST;
        this.pins.set(path, this.#fdObject(a.readUInt32LE(ObjPin.bpf_fd)));
        return 0;
      }
      case Cmd.OBJ_GET: {
        const found = this.pins.get(cstr(this.#at(a.readBigUInt64LE(ObjPin.pathname)), 0, 4096));
        if (!found) throw Errno.ENOENT;
        return this.#open(found);
      }
      case Cmd.MAP_GET_NEXT_ID:
      case Cmd.PROG_GET_NEXT_ID:
      case Cmd.LINK_GET_NEXT_ID: {
        const kind = cmd === Cmd.MAP_GET_NEXT_ID ? 'map' : cmd === Cmd.PROG_GET_NEXT_ID ? 'prog' : 'link';
        const start = a.readUInt32LE(GetId.start_id);
        const next = this.#objects.find((o) => o.kind === kind && o.id > start);
        if (!next) throw Errno.ENOENT;
        a.writeUInt32LE(next.id, GetId.next_id);
        return 0;
      }
      case Cmd.MAP_GET_FD_BY_ID:
      case Cmd.PROG_GET_FD_BY_ID:
      case Cmd.LINK_GET_FD_BY_ID: {
        const kind = cmd === Cmd.MAP_GET_FD_BY_ID ? 'map' : cmd === Cmd.PROG_GET_FD_BY_ID ? 'prog' : 'link';
        const found = this.#objects.find((o) => o.kind === kind && o.id === a.readUInt32LE(GetId.id));
        if (!found) throw Errno.ENOENT;
        return this.#open(found);
      }
      case Cmd.OBJ_GET_INFO_BY_FD:
        return this.#info(a);
      case Cmd.RAW_TRACEPOINT_OPEN:
      case Cmd.LINK_CREATE: {
        const raw = cmd === Cmd.RAW_TRACEPOINT_OPEN;
        const prog = this.#object(
          a.readUInt32LE(raw ? RawTracepointOpen.prog_fd : LinkCreate.prog_fd),
          'prog',
        );
        if (raw && a.readBigUInt64LE(RawTracepointOpen.name) !== 0n) {
          this.lastTracepoint = cstr(this.#at(a.readBigUInt64LE(RawTracepointOpen.name)), 0, 256);
        }
        // enum bpf_link_type: RAW_TRACEPOINT 1, TRACING 2
        const link: FakeLink = {
          kind: 'link',
          id: this.#objects.length + 1,
          type: raw ? 1 : 2,
          progId: prog.id,
        };
        this.#objects.push(link);
        return this.#open(link);
      }
      default:
        throw Errno.EINVAL;
    }
  }

  #elem(cmd: number, a: Buffer): number {
    const m = this.#map(a.readUInt32LE(MapElem.map_fd));
    const keyPtr = a.readBigUInt64LE(MapElem.key);
    const key = keyPtr === 0n ? null : Buffer.from(this.#at(keyPtr).subarray(0, m.keySize));
    const hex = key?.toString('hex') ?? '';
    if (cmd === Cmd.MAP_GET_NEXT_KEY) {
      const keys = [...this.#keys(m)];
      const i = key === null ? -1 : keys.indexOf(hex);
      const next = keys[i + 1];
      if (next === undefined) throw Errno.ENOENT;
      this.#at(a.readBigUInt64LE(MapElem.next_key)).set(Buffer.from(next, 'hex'));
      return 0;
    }
    if (cmd === Cmd.MAP_DELETE_ELEM) {
      if (m.type === MapType.array) throw Errno.EINVAL;
      if (!m.entries.delete(hex)) throw Errno.ENOENT;
      return 0;
    }
    const value = this.#at(a.readBigUInt64LE(MapElem.value));
    if (cmd === Cmd.MAP_UPDATE_ELEM) {
      if (m.frozen) throw Errno.EPERM;
      this.#update(
        m,
        key as Buffer,
        Buffer.from(value.subarray(0, m.valueSize)),
        Number(a.readBigUInt64LE(MapElem.flags)),
      );
      return 0;
    }
    const found = this.#lookup(m, hex);
    if (!found) throw Errno.ENOENT;
    value.set(found);
    if (cmd === Cmd.MAP_LOOKUP_AND_DELETE_ELEM) m.entries.delete(hex);
    return 0;
  }

  #keys(m: FakeMap): Iterable<string> {
    if (m.type !== MapType.array) return m.entries.keys();
    return Array.from({ length: m.maxEntries }, (_, i) => {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      return k.toString('hex');
    });
  }

  #lookup(m: FakeMap, hex: string): Buffer | undefined {
    if (m.type !== MapType.array) return m.entries.get(hex);
    if (Buffer.from(hex, 'hex').readUInt32LE() >= m.maxEntries) return undefined;
    return m.entries.get(hex) ?? Buffer.alloc(m.valueSize);
  }

  #update(m: FakeMap, key: Buffer, value: Buffer, flags: number): void {
    const hex = key.toString('hex');
    const exists = this.#lookup(m, hex) !== undefined;
    if (flags === 1 && exists) throw Errno.EEXIST;
    if (flags === 2 && !exists) throw Errno.ENOENT;
    if (m.type === MapType.array && !exists) throw Errno.E2BIG;
    if (!exists && m.entries.size >= m.maxEntries) throw Errno.E2BIG;
    m.entries.set(hex, value);
  }

  #info(a: Buffer): number {
    const o = this.#fdObject(a.readUInt32LE(InfoByFd.bpf_fd));
    const info = this.#at(a.readBigUInt64LE(InfoByFd.info));
    const b = Buffer.from(info.buffer, info.byteOffset, info.byteLength);
    if (o.kind === 'map') {
      b.writeUInt32LE(o.type, MapInfo.type);
      b.writeUInt32LE(o.id, MapInfo.id);
      b.writeUInt32LE(o.keySize, MapInfo.key_size);
      b.writeUInt32LE(o.valueSize, MapInfo.value_size);
      b.writeUInt32LE(o.maxEntries, MapInfo.max_entries);
      b.writeUInt32LE(o.flags, MapInfo.map_flags);
      b.write(o.name, MapInfo.name, 15, 'latin1');
    } else if (o.kind === 'prog') {
      b.writeUInt32LE(o.type, ProgInfo.type);
      b.writeUInt32LE(o.id, ProgInfo.id);
      b.write(o.name, ProgInfo.name, 15, 'latin1');
      b.writeUInt32LE(o.insnCount * 8, ProgInfo.xlated_prog_len);
      b.writeUInt32LE(o.mapIds.length, ProgInfo.nr_map_ids);
    } else {
      b.writeUInt32LE(o.type, LinkInfo.type);
      b.writeUInt32LE(o.id, LinkInfo.id);
      b.writeUInt32LE(o.progId, LinkInfo.prog_id);
    }
    return 0;
  }

  #writeLog(a: Buffer): void {
    const log = this.#at(a.readBigUInt64LE(ProgLoad.log_buf));
    const size = a.readUInt32LE(ProgLoad.log_size);
    const text = Buffer.from(`${this.verifierLog}\0`);
    log.set(text.subarray(0, Math.min(size, log.byteLength, text.byteLength)));
  }

  #open(o: FakeObject): number {
    const fd = this.#nextFd++;
    this.fds.set(fd, o);
    return fd;
  }

  #fdObject(fd: number): FakeObject {
    const o = this.fds.get(fd);
    if (!o) throw Errno.EBADF;
    return o;
  }

  #object<K extends FakeObject['kind']>(fd: number, kind: K): Extract<FakeObject, { kind: K }> {
    const o = this.#fdObject(fd);
    if (o.kind !== kind) throw Errno.EINVAL;
    return o as Extract<FakeObject, { kind: K }>;
  }

  #map(fd: number): FakeMap {
    return this.#object(fd, 'map');
  }

  #at(address: bigint): Uint8Array {
    const buf = this.#memory.get(Number(address));
    if (!buf)
      throw new Error(`fake kernel: pointer 0x${address.toString(16)} was never taken through the funnel`);
    return buf;
  }
}

function cstr(b: Uint8Array, offset: number, max: number): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const end = buf.indexOf(0, offset);
  return buf.toString(
    'latin1',
    offset,
    end < 0 || end > offset + max ? Math.min(buf.byteLength, offset + max) : end,
  );
}
