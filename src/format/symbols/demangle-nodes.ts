// The demangler's output tree and how it prints, in the style of GNU c++filt: qualifiers after
// what they qualify (`char const*`), `> >` between closing template brackets, declarators wrapped
// around pointers to functions and arrays (`void (*)(int)`, `int (*) [4]`).

export type Node =
  | { k: 'name'; s: string }
  /** `a::b` */
  | { k: 'qual'; scope: Node; name: Node }
  /** `name<args>` */
  | { k: 'template'; name: Node; args: Node[] }
  /** A template argument pack (J…E): prints as its items joined. */
  | { k: 'pack'; items: Node[] }
  | { k: 'ptr'; op: '*' | '&' | '&&'; to: Node }
  /** Qualifiers after a type: ' const', ' volatile', ' restrict', in printing order. */
  | { k: 'cv'; q: string; of: Node }
  | { k: 'fn'; ret: Node | undefined; params: Node[]; suffix: string }
  | { k: 'array'; dim: string; of: Node }
  | { k: 'member'; cls: Node; of: Node }
  /** A whole function: `ret name(params) const &`. */
  | { k: 'func'; name: Node; ret: Node | undefined; params: Node[]; suffix: string }
  /** Text before a node (`vtable for X`). */
  | { k: 'prefix'; text: string; of: Node };

export function nameNode(s: string): Node {
  return { k: 'name', s };
}

/** A node as text. */
export function print(n: Node): string {
  const out = { s: '' };
  left(n, out);
  right(n, out);
  return out.s;
}

function isFnOrArray(n: Node): 'fn' | 'array' | undefined {
  if (n.k === 'fn') return 'fn';
  if (n.k === 'array') return 'array';
  if (n.k === 'cv') return isFnOrArray(n.of);
  return undefined;
}

function add(out: { s: string }, text: string): void {
  out.s += text;
}

function left(n: Node, out: { s: string }): void {
  switch (n.k) {
    case 'name':
      add(out, n.s);
      return;
    case 'qual':
      left(n.scope, out);
      right(n.scope, out);
      add(out, '::');
      left(n.name, out);
      right(n.name, out);
      return;
    case 'template': {
      const name = print(n.name);
      add(out, name);
      if (name.endsWith('<')) add(out, ' ');
      add(out, '<');
      add(out, templateArgs(n.args));
      // c++filt decides on the space by the last character it wrote, and an empty pack after
      // the last argument wrote (then took back) ', ': no space then.
      const last = n.args[n.args.length - 1];
      const emptyTail = n.args.length > 1 && last?.k === 'pack' && print(last) === '';
      add(out, out.s.endsWith('>') && !emptyTail ? ' >' : '>');
      return;
    }
    case 'pack':
      add(out, n.items.map(print).join(', '));
      return;
    case 'ptr': {
      left(n.to, out);
      const inner = isFnOrArray(n.to);
      if (inner === 'array') add(out, ' ');
      if (inner) add(out, '(');
      add(out, n.op);
      return;
    }
    case 'cv':
      if (n.of.k === 'fn') {
        left(n.of, out);
        return;
      }
      left(n.of, out);
      add(out, n.q);
      return;
    case 'fn':
      if (n.ret) {
        left(n.ret, out);
        add(out, ' ');
      } else add(out, ' ');
      return;
    case 'array':
      left(n.of, out);
      return;
    case 'member': {
      left(n.of, out);
      const inner = isFnOrArray(n.of);
      add(out, inner ? '(' : ' ');
      add(out, print(n.cls));
      add(out, '::*');
      return;
    }
    case 'func':
      if (n.ret) {
        left(n.ret, out);
        if (!isFnOrArray(n.ret)) add(out, ' ');
      }
      add(out, print(n.name));
      return;
    case 'prefix':
      add(out, n.text);
      left(n.of, out);
      return;
  }
}

function right(n: Node, out: { s: string }): void {
  switch (n.k) {
    case 'ptr':
      if (isFnOrArray(n.to)) add(out, ')');
      right(n.to, out);
      return;
    case 'cv':
      right(n.of, out);
      if (n.of.k === 'fn') add(out, n.q);
      return;
    case 'fn':
      add(out, `(${params(n.params)})`);
      if (n.ret) right(n.ret, out);
      add(out, n.suffix);
      return;
    case 'array':
      if (!out.s.endsWith(']')) add(out, ' ');
      add(out, `[${n.dim}]`);
      right(n.of, out);
      return;
    case 'member':
      if (isFnOrArray(n.of)) add(out, ')');
      right(n.of, out);
      return;
    case 'func':
      add(out, `(${params(n.params)})`);
      if (n.ret) right(n.ret, out);
      add(out, n.suffix);
      return;
    case 'prefix':
      right(n.of, out);
      return;
    default:
      return;
  }
}

function templateArgs(args: Node[]): string {
  return args
    .map(print)
    .filter((s, i) => s !== '' || (args[i] as Node).k !== 'pack')
    .join(', ');
}

/** Parameters: `()` for a lone void, packs spliced in. */
function params(ps: Node[]): string {
  if (ps.length === 1 && ps[0]?.k === 'name' && ps[0].s === 'void') return '';
  return ps
    .map(print)
    .filter((s, i) => s !== '' || (ps[i] as Node).k !== 'pack')
    .join(', ');
}
