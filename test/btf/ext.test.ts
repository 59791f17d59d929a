// .BTF.ext of a clang-19 object (test/fixtures/btf/core_prog.*, made by scripts/btf-fixtures.sh):
// checked against the object's symbol table, its source file, and the fields the source reads.
import { Btf, BtfError, parseBtfExt, resolveType } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { fixture } from './support.js';

const btf = Btf.parse(fixture('core_prog.btf'));
const ext = parseBtfExt(fixture('core_prog.btf.ext'), btf);
const source = fixture('core_prog.c').toString().split('\n');

/** Function symbols per section from `llvm-objdump -t`: `section name` → offset. */
function symbols(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of fixture('core_prog.syms').toString().split('\n')) {
    const m = /^([0-9a-f]{16}) [lg]\s+F (\S+)\s+[0-9a-f]+ (\S+)$/.exec(line);
    if (m) out.set(`${m[2]} ${m[3]}`, Number.parseInt(m[1], 16));
  }
  return out;
}

describe('.BTF.ext', () => {
  it('func_info names each function at its symbol offset, per section', () => {
    const ours = new Map<string, number>();
    for (const sec of ext.funcInfo)
      for (const r of sec.records) ours.set(`${sec.section} ${btf.type(r.typeId).name}`, r.insnOff);
    expect(ours).toEqual(symbols());
    expect(ext.funcInfoRecSize).toBe(8);
    for (const sec of ext.funcInfo) for (const r of sec.records) expect(btf.type(r.typeId).kind).toBe('func');
  });

  it('line_info points at the source lines as written', () => {
    expect(ext.lineInfoRecSize).toBe(16);
    let n = 0;
    for (const sec of ext.lineInfo) {
      let last = -1;
      for (const r of sec.records) {
        expect(r.fileName.endsWith('core_prog.c')).toBe(true);
        expect(r.line).toBe(source[r.lineNumber - 1]);
        expect(r.column).toBeLessThanOrEqual(r.line.length + 1);
        expect(r.insnOff).toBeGreaterThanOrEqual(last);
        last = r.insnOff;
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it('CO-RE relocations name exactly the fields the source reads', () => {
    const accessed = new Set<string>();
    for (const sec of ext.coreRelos) {
      for (const r of sec.records) {
        expect(r.kind).toBe('field_byte_offset');
        // access "0:i:j": array index, then member indexes through the root type.
        const [first, ...path] = r.access.split(':').map(Number);
        expect(first).toBe(0);
        let t = resolveType(btf, r.typeId);
        const names = [t.name];
        for (const i of path) {
          if (t.kind !== 'struct' && t.kind !== 'union')
            throw new Error(`access ${r.access} through ${t.kind}`);
          const m = t.members[i];
          if (m.name) names.push(m.name);
          t = resolveType(btf, m.type);
        }
        accessed.add(names.join('.'));
      }
    }
    expect([...accessed].sort()).toEqual([
      'filename.name',
      'mm_struct.arg_start',
      'sk_buff.len',
      'task_struct.mm',
      'task_struct.pid',
    ]);
    expect(ext.coreReloRecSize).toBe(16);
  });

  it('bad .BTF.ext gives BtfError with a byte offset', () => {
    const good = new Uint8Array(fixture('core_prog.btf.ext'));
    expect(() => parseBtfExt(good.subarray(0, 8), btf)).toThrow(BtfError);
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(12, 1 << 20, true); // func_info_len far past the end
    try {
      parseBtfExt(lying, btf);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BtfError);
      expect((e as BtfError).offset).toBe(8);
    }
  });
});
