// The BTF types of an object's global variables (from each data section's DATASEC), and the
// same as TypeScript source: `tsbpf load OBJ.o --types` prints an interface to pass to
// `load<T>()`, so `loaded.variables` is typed without writing the C types out by hand.
import { btfTsType, btfTypeName } from '../../../btf/value.js';
import type { ObjectSpec } from './parse.js';

/** Each data section's variables → their type ids in the object's BTF. */
export function variableTypeIds(spec: ObjectSpec): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const btf = spec.btf;
  if (!btf) return out;
  for (const m of spec.maps.values()) {
    if (m.kind !== 'data' || m.btfValueTypeId === undefined) continue;
    const sec = btf.type(m.btfValueTypeId);
    if (sec.kind !== 'datasec') continue;
    const vars = new Map<string, number>();
    for (const info of sec.vars) {
      const v = btf.type(info.type);
      if (v.kind === 'var') vars.set(v.name, v.type);
    }
    out.set(m.name, vars);
  }
  return out;
}

/** A TypeScript interface of the object's variables, as `loaded.variables` reads them. */
export function variablesTypeScript(spec: ObjectSpec, name: string): string {
  const types = variableTypeIds(spec);
  const lines = [
    `/** Global variables of ${spec.name}, from its BTF: \`BpfObject.open(…).load<${name}>()\`. */`,
    `export interface ${name} {`,
  ];
  for (const v of spec.variables.values()) {
    const id = types.get(v.map)?.get(v.name);
    let ts = 'Uint8Array';
    let c = `${v.size} bytes, no BTF type`;
    if (spec.btf && id !== undefined) {
      try {
        ts = btfTsType(spec.btf, id, '  ');
        c = btfTypeName(spec.btf, id);
      } catch {
        c = `${v.size} bytes, a BTF type without a value layout`;
      }
    }
    lines.push(
      `  /** ${v.map}${v.readonly ? ' (read-only after load)' : ''}: ${c} */`,
      `  ${v.name}: ${ts};`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
