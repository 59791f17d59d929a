// Queries against clang's layout (the BTF clang wrote is the oracle) and the kernel's own types.
import { readFileSync } from 'node:fs';
import {
  alignOf,
  Btf,
  BtfError,
  cDeclaration,
  fieldPath,
  functionSignature,
  isPacked,
  resolveType,
  sizeOf,
} from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { fixture, hasVmlinux, VMLINUX } from './support.js';

const btf = Btf.parse(fixture('types.btf'));
const id = (name: string, kind: 'struct' | 'union' | 'typedef' = 'struct') =>
  btf.findId(name, kind) as number;

describe('BTF layout queries', () => {
  it('sizes and alignment follow the C layout clang produced', () => {
    expect(sizeOf(btf, id('node'))).toBe(136);
    expect(alignOf(btf, id('node'))).toBe(8);
    expect(sizeOf(btf, id('packed_rec'))).toBe(7);
    expect(alignOf(btf, id('packed_rec'))).toBe(1);
    expect(isPacked(btf, btf.type(id('packed_rec')) as never)).toBe(true);
    expect(isPacked(btf, btf.type(id('node')) as never)).toBe(false);
    expect(sizeOf(btf, id('u64', 'typedef'))).toBe(8);
    expect(resolveType(btf, id('u32', 'typedef'))).toMatchObject({ kind: 'int', name: 'unsigned int' });
    expect(() => sizeOf(btf, btf.findId('walk', 'func') as number)).toThrow(BtfError);
  });

  it('walks field paths through anonymous unions/structs, arrays and bitfields', () => {
    expect(fieldPath(btf, 'node.next')).toMatchObject({ offset: 0, size: 8, hops: [] });
    expect(fieldPath(btf, 'node.children[2]')).toMatchObject({ offset: 8 + 2 * 8, size: 8 });
    expect(fieldPath(btf, 'node.key')).toMatchObject({ offset: 40, size: 8 });
    expect(fieldPath(btf, 'node.hi')).toMatchObject({ offset: 44, size: 4 });
    expect(fieldPath(btf, 'node.matrix[1][2]')).toMatchObject({ offset: 88 + (3 + 2) * 4, size: 4 });
    expect(fieldPath(btf, 'node.flags.c')).toMatchObject({
      offset: 49,
      bitOffset: 384 + 8,
      bitfieldSize: 12,
    });
    // Through a pointer: a hop, then the offset inside the pointed-to struct.
    const viaPtr = fieldPath(btf, 'node.next.flags.tail');
    const node = btf.find('node', 'struct');
    expect(viaPtr.hops).toEqual([
      { path: 'next', offset: 0, type: node?.kind === 'struct' ? node.members[0].type : -1 },
    ]);
    expect(viaPtr.offset).toBe(48 + 8);
    expect(() => fieldPath(btf, 'node.nope')).toThrow(/has no member 'nope'/);
    expect(() => fieldPath(btf, 'node.children[4]')).toThrow(/out of bounds/);
    expect(() => fieldPath(btf, 'node.next[1')).toThrow(/bad field path/);
  });

  it('prints C declarations for arbitrary types', () => {
    const node = btf.find('node', 'struct');
    if (node?.kind !== 'struct') throw new Error('no node');
    const decl = (name: string) => {
      const m = node.members.find((x) => x.name === name);
      return cDeclaration(btf, m?.type as number, name);
    };
    expect(decl('children')).toBe('struct node *children[4]');
    expect(decl('ro')).toBe('volatile const int *ro');
    expect(decl('visit')).toBe('visit_fn visit');
    expect(decl('matrix')).toBe('int matrix[2][3]');
    expect(cDeclaration(btf, btf.findId('visit_fn', 'typedef') as number)).toBe('visit_fn');
    const proto = btf.find('visit_fn', 'typedef');
    expect(cDeclaration(btf, (proto as { type: number }).type, 'f')).toBe(
      'int (*f)(struct node *, void *, ...)',
    );
    expect(cDeclaration(btf, 0, 'p')).toBe('void p');
    for (const bad of [btf.typeCount, -1, 1.5])
      expect(() => cDeclaration(btf, bad)).toThrow(
        new BtfError(`type id ${bad} out of range (${btf.typeCount} types)`, -1),
      );
  });

  it.runIf(hasVmlinux)('kernel: task_struct.mm.arg_start and do_unlinkat', () => {
    const k = Btf.parse(readFileSync(VMLINUX));
    const loc = fieldPath(k, 'task_struct.mm.arg_start');
    expect(loc.hops).toHaveLength(1);
    const task = k.find('task_struct', 'struct');
    const mmStruct = k.find('mm_struct', 'struct');
    if (task?.kind !== 'struct' || mmStruct?.kind !== 'struct') throw new Error('no task_struct');
    // The hop's offset is task_struct.mm's, found independently by a flat search of members.
    expect(loc.hops[0].offset).toBe((task.members.find((m) => m.name === 'mm')?.bitOffset as number) / 8);
    expect(loc.size).toBe(8);
    expect(loc.offset).toBeGreaterThan(0);
    expect(loc.offset + loc.size).toBeLessThanOrEqual(mmStruct.size);
    const sig = functionSignature(k, 'do_unlinkat');
    expect(sig.params.map((p) => [p.name, cDeclaration(k, p.type)])).toEqual([
      ['dfd', 'int'],
      ['name', 'struct filename *'],
    ]);
    expect(cDeclaration(k, sig.returnType)).toBe('int');
  });
});
