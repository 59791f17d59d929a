// Writes a small split BTF on top of a base BTF file with our builder (for the bpftool split golden).
import { readFileSync, writeFileSync } from 'node:fs';
import { Btf, BtfBuilder } from '../dist/btf/index.js';

const [basePath, outPath] = process.argv.slice(2);
const base = Btf.parse(readFileSync(basePath));
const u32 = base.findId('u32', 'typedef');
const node = base.findId('node', 'struct');
const b = new BtfBuilder({ base });
const ptr = b.pointer(node);
const mod = b.struct('module_state', 16, [
  { name: 'head', type: ptr, bitOffset: 0, bitfieldSize: 0 },
  { name: 'count', type: u32, bitOffset: 64, bitfieldSize: 0 },
  { name: 'mode', type: u32, bitOffset: 96, bitfieldSize: 4 },
]);
b.typedef('module_state_t', mod);
const proto = b.add({
  kind: 'func_proto',
  name: '',
  returnType: u32,
  params: [{ name: 'st', type: b.pointer(mod) }],
});
b.add({ kind: 'func', name: 'module_init_state', type: proto, linkage: 'global' });
writeFileSync(outPath, b.encode());
