// The playground's examples, read from where they are written: the lessons in docs/learn/ (every
// ```asm {…} block) and the BPF conformance suite's .data files. The build embeds them in the
// page; the lesson tests read them with the same functions, so a lesson's example and what the
// page offers cannot differ.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the conformance suite lives unless TSBPF_CONFORMANCE_DIR says otherwise. */
export const DEFAULT_CONFORMANCE_DIR = '/work/shared/conformance';

/**
 * Attributes of a lesson block: `{#id r0=42 mem="01 02" maps="counts:hash:4:8:16" verifier="words"}`.
 * `#id` names the example; r0 is the expected result (decimal or 0x hex); mem the input bytes;
 * maps `name:type:key:value:entries` (comma-separated); verifier the words the kernel's verifier
 * must say when it rejects the program; dialect llvm (default) or ubpf.
 */
function parseAttributes(text, where) {
  const out = {};
  const re = /#([\w-]+)|([\w-]+)=(?:"([^"]*)"|(\S+))/g;
  let rest = text;
  for (const m of text.matchAll(re)) {
    if (m[1]) out.id = m[1];
    else out[m[2]] = m[3] ?? m[4];
    rest = rest.replace(m[0], '');
  }
  if (rest.trim() !== '') throw new Error(`${where}: cannot read block attributes '${rest.trim()}'`);
  if (!out.id) throw new Error(`${where}: an example block needs an #id`);
  return out;
}

/** `counts:hash:4:8:16,…` → [{name, type, keySize, valueSize, maxEntries}]. */
export function parseMapList(text, where = 'maps') {
  if (!text) return [];
  return text.split(',').map((item) => {
    const [name, type, key, value, entries] = item.trim().split(':');
    const nums = [key, value, entries].map(Number);
    if (!name || !type || nums.some((n) => !Number.isInteger(n) || n < 0))
      throw new Error(`${where}: '${item}' is not name:type:keySize:valueSize:maxEntries`);
    return { name, type, keySize: nums[0], valueSize: nums[1], maxEntries: nums[2] };
  });
}

/** Every example block of every lesson, in lesson order. */
export function readLessons(dir) {
  const files = readdirSync(dir)
    .filter((f) => /^\d\d-.*\.md$/.test(f))
    .sort();
  const out = [];
  const seen = new Set();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const title = /^# (.*)$/m.exec(text)?.[1] ?? file;
    for (const m of text.matchAll(/^```asm[ \t]+\{([^}\n]*)\}\n([\s\S]*?)^```$/gm)) {
      const line = text.slice(0, m.index).split('\n').length;
      const where = `docs/learn/${file}:${line}`;
      const a = parseAttributes(m[1], where);
      const id = `learn/${a.id}`;
      if (seen.has(id)) throw new Error(`${where}: example id '${a.id}' is used twice`);
      seen.add(id);
      out.push({
        id,
        group: `Lesson: ${title}`,
        title: a.id,
        file: `docs/learn/${file}`,
        line,
        dialect: a.dialect ?? 'llvm',
        source: m[2],
        mem: a.mem ?? '',
        maps: parseMapList(a.maps, where),
        expect: { r0: a.r0, verifier: a.verifier },
      });
    }
  }
  return out;
}

/** Every conformance test (tests/ and negative/) as a playground example: the page parses the file with isa/. */
export function readConformance(dir) {
  const out = [];
  for (const [sub, group] of [
    ['tests', 'Conformance tests'],
    ['negative', 'Conformance: invalid programs'],
  ]) {
    const base = join(dir, sub);
    if (!existsSync(base)) continue;
    for (const f of readdirSync(base)
      .filter((n) => n.endsWith('.data'))
      .sort()) {
      const name = f.replace(/\.data$/, '');
      out.push({
        id: `conformance/${sub === 'tests' ? '' : 'negative/'}${name}`,
        group,
        title: name,
        data: readFileSync(join(base, f), 'utf8'),
      });
    }
  }
  return out;
}

export function readExamples(root, conformanceDir = DEFAULT_CONFORMANCE_DIR) {
  return [...readLessons(join(root, 'docs/learn')), ...readConformance(conformanceDir)];
}
