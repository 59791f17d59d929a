// Aggregated stacks, the one shape every profile output starts from: a stack of frame names from
// the root (the process) to the leaf, and its weight (samples, or microseconds off-CPU). Folded
// text (`a;b;c 12`, the input of flamegraph.pl and many other tools) is read and written here,
// and the same samples make a tree (a flame graph's layout, and what the API returns).

/** One distinct stack and how much of the profile it holds. */
export interface StackSample {
  /** Frame names, root first (process name, user frames, then kernel frames). */
  stack: string[];
  /** Samples, or time in the profile's unit. */
  value: number;
}

/** A node of the stack tree: a frame, reached from the root along one path. */
export interface StackNode {
  name: string;
  /** Everything at and below this frame. */
  value: number;
  /** What this frame held itself (the stacks that end here). */
  self: number;
  /** Children, sorted by name (as flamegraph.pl lays them out). */
  children: StackNode[];
}

/** Folded text needs frames without `;` and lines without breaks: those become `:` and a space. */
function foldableName(name: string): string {
  return name.replace(/;/g, ':').replace(/[\r\n]+/g, ' ');
}

/**
 * Samples as folded text: one line per stack, `frame;frame;… value`, sorted by stack so two
 * profiles diff line by line; stacks with the same frames are summed.
 */
export function foldedText(samples: readonly StackSample[]): string {
  const sums = new Map<string, number>();
  for (const s of samples) {
    if (s.stack.length === 0 || s.value <= 0) continue;
    const line = s.stack.map(foldableName).join(';');
    sums.set(line, (sums.get(line) ?? 0) + s.value);
  }
  return [...sums.keys()]
    .sort()
    .map((k) => `${k} ${sums.get(k)}\n`)
    .join('');
}

/** A folded line that does not parse: which line, and what was wrong. */
export class FoldedSyntaxError extends Error {
  override name = 'FoldedSyntaxError';
  constructor(
    readonly line: number,
    why: string,
  ) {
    super(`folded stacks line ${line}: ${why}`);
  }
}

/** Folded text back into samples (blank lines skipped); throws FoldedSyntaxError on a bad line. */
export function parseFolded(text: string): StackSample[] {
  const out: StackSample[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '') return;
    const space = line.lastIndexOf(' ');
    if (space <= 0) throw new FoldedSyntaxError(i + 1, 'expected "frame;frame;… COUNT"');
    const count = line.slice(space + 1);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(count)) throw new FoldedSyntaxError(i + 1, `'${count}' is not a count`);
    out.push({ stack: line.slice(0, space).split(';'), value: Number(count) });
  });
  return out;
}

/** The samples as a tree under a root called `rootName` whose value is the total. */
export function stackTree(samples: readonly StackSample[], rootName = 'all'): StackNode {
  const root: StackNode = { name: rootName, value: 0, self: 0, children: [] };
  const index = new Map<StackNode, Map<string, StackNode>>();
  const child = (parent: StackNode, name: string): StackNode => {
    let byName = index.get(parent);
    if (!byName) {
      byName = new Map();
      index.set(parent, byName);
    }
    let c = byName.get(name);
    if (!c) {
      c = { name, value: 0, self: 0, children: [] };
      byName.set(name, c);
      parent.children.push(c);
    }
    return c;
  };
  for (const s of samples) {
    if (s.value <= 0) continue;
    let node = root;
    node.value += s.value;
    for (const name of s.stack) {
      node = child(node, name);
      node.value += s.value;
    }
    node.self += s.value;
  }
  const sort = (n: StackNode): void => {
    n.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of n.children) sort(c);
  };
  sort(root);
  return root;
}

/** The total weight of the samples. */
export function totalValue(samples: readonly StackSample[]): number {
  let t = 0;
  for (const s of samples) if (s.value > 0) t += s.value;
  return t;
}
