// Itanium C++ ABI name demangling (https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling),
// written for tsbpf and printed the way GNU c++filt prints: nested and local names, templates and
// template parameters, the std:: abbreviations, substitutions, function and member-pointer
// types, cv/ref qualifiers, ctor/dtor names, operators, lambdas, ABI tags, special names (vtable,
// typeinfo, thunks, guard variables) and clone suffixes. What it does not parse (most template
// argument expressions) makes demangle() return undefined, so the caller keeps the mangled name.

import { type Node, nameNode, print } from './demangle-nodes.js';

const BUILTIN: Record<string, string> = {
  v: 'void',
  w: 'wchar_t',
  b: 'bool',
  c: 'char',
  a: 'signed char',
  h: 'unsigned char',
  s: 'short',
  t: 'unsigned short',
  i: 'int',
  j: 'unsigned int',
  l: 'long',
  m: 'unsigned long',
  x: 'long long',
  y: 'unsigned long long',
  n: '__int128',
  o: 'unsigned __int128',
  f: 'float',
  d: 'double',
  e: 'long double',
  g: '__float128',
  z: '...',
};
const BUILTIN_D: Record<string, string> = {
  d: 'decimal64',
  e: 'decimal128',
  f: 'decimal32',
  h: 'half',
  i: 'char32_t',
  s: 'char16_t',
  u: 'char8_t',
  a: 'auto',
  c: 'decltype(auto)',
  n: 'decltype(nullptr)',
};
const OPERATORS: Record<string, string> = {
  nw: 'new',
  na: 'new[]',
  dl: 'delete',
  da: 'delete[]',
  ps: '+',
  ng: '-',
  ad: '&',
  de: '*',
  co: '~',
  pl: '+',
  mi: '-',
  ml: '*',
  dv: '/',
  rm: '%',
  an: '&',
  or: '|',
  eo: '^',
  aS: '=',
  pL: '+=',
  mI: '-=',
  mL: '*=',
  dV: '/=',
  rM: '%=',
  aN: '&=',
  oR: '|=',
  eO: '^=',
  ls: '<<',
  rs: '>>',
  lS: '<<=',
  rS: '>>=',
  eq: '==',
  ne: '!=',
  lt: '<',
  gt: '>',
  le: '<=',
  ge: '>=',
  ss: '<=>',
  nt: '!',
  aa: '&&',
  oo: '||',
  pp: '++',
  mm: '--',
  cm: ',',
  pm: '->*',
  pt: '->',
  cl: '()',
  ix: '[]',
  qu: '?',
  aw: 'co_await',
};
/** The std:: abbreviations: [short form, the form before a ctor/dtor name, that name]. */
const STD_SUBS: Record<string, [string, string, string]> = {
  a: ['std::allocator', 'std::allocator', 'allocator'],
  b: ['std::basic_string', 'std::basic_string', 'basic_string'],
  s: [
    'std::string',
    'std::basic_string<char, std::char_traits<char>, std::allocator<char> >',
    'basic_string',
  ],
  i: ['std::istream', 'std::basic_istream<char, std::char_traits<char> >', 'basic_istream'],
  o: ['std::ostream', 'std::basic_ostream<char, std::char_traits<char> >', 'basic_ostream'],
  d: ['std::iostream', 'std::basic_iostream<char, std::char_traits<char> >', 'basic_iostream'],
};
const LITERAL_SUFFIX: Record<string, string> = { j: 'u', l: 'l', m: 'ul', x: 'll', y: 'ull' };

class Fail extends Error {}

class Parser {
  i = 0;
  readonly subs: Node[] = [];
  templateArgs: Node[] = [];
  /** The std:: abbreviations Ss/Si/So/Sd in full (as c++filt), else std::string…. */
  verbose = true;
  constructor(readonly s: string) {}

  peek(ahead = 0): string {
    return this.s[this.i + ahead] ?? '';
  }
  eat(text: string): boolean {
    if (this.s.startsWith(text, this.i)) {
      this.i += text.length;
      return true;
    }
    return false;
  }
  need(text: string): void {
    if (!this.eat(text)) throw new Fail();
  }
  number(): number {
    const m = /^n?\d+/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    return m[0].startsWith('n') ? -Number(m[0].slice(1)) : Number(m[0]);
  }

  /** <encoding> ::= <name> [<bare-function-type>] | <special-name> */
  encoding(scopeOfLocal = false): Node {
    if (this.peek() === 'T' || (this.peek() === 'G' && 'VRT'.includes(this.peek(1)))) return this.special();
    const saved = this.templateArgs;
    const n = this.name(true);
    const name = n.node;
    if (this.i >= this.s.length || this.peek() === 'E' || this.peek() === '.') {
      this.templateArgs = saved;
      return name;
    }
    // A template function's mangling carries its return type first (not ctors, dtors, casts).
    const ret = n.template && !n.ctorDtorConv ? this.type() : undefined;
    const params = this.bareFunctionType();
    this.templateArgs = saved;
    // The function around a local name prints without its return type (as c++filt does).
    return { k: 'func', name, ret: scopeOfLocal ? undefined : ret, params, suffix: n.suffix };
  }

  bareFunctionType(): Node[] {
    const params: Node[] = [];
    while (this.i < this.s.length && this.peek() !== 'E' && this.peek() !== '.')
      params.push(...this.typeOrPack());
    if (params.length === 0) throw new Fail();
    return params;
  }

  /** A type; a pack expansion of a template parameter pack gives its items. */
  typeOrPack(): Node[] {
    const t = this.type();
    return t.k === 'pack' ? t.items : [t];
  }

  special(): Node {
    if (this.eat('TV')) return { k: 'prefix', text: 'vtable for ', of: this.type() };
    if (this.eat('TT')) return { k: 'prefix', text: 'VTT for ', of: this.type() };
    if (this.eat('TI')) return { k: 'prefix', text: 'typeinfo for ', of: this.type() };
    if (this.eat('TS')) return { k: 'prefix', text: 'typeinfo name for ', of: this.type() };
    if (this.eat('TH')) return { k: 'prefix', text: 'TLS init function for ', of: this.name(false).node };
    if (this.eat('TW')) return { k: 'prefix', text: 'TLS wrapper function for ', of: this.name(false).node };
    if (this.eat('Th')) {
      this.callOffset('h');
      return { k: 'prefix', text: 'non-virtual thunk to ', of: this.encoding() };
    }
    if (this.eat('Tv')) {
      this.callOffset('v');
      return { k: 'prefix', text: 'virtual thunk to ', of: this.encoding() };
    }
    if (this.eat('Tc')) {
      this.callOffset();
      this.callOffset();
      return { k: 'prefix', text: 'covariant return thunk to ', of: this.encoding() };
    }
    if (this.eat('GV')) return { k: 'prefix', text: 'guard variable for ', of: this.name(false).node };
    if (this.eat('GR')) {
      const of = this.name(false).node;
      let n = 0;
      if (this.peek() !== '_') n = this.seqId() + 1;
      this.need('_');
      return { k: 'prefix', text: `reference temporary #${n} for `, of };
    }
    if (this.eat('GTt')) return { k: 'prefix', text: 'transaction clone for ', of: this.encoding() };
    throw new Fail();
  }

  callOffset(kind?: string): void {
    const k = kind ?? this.peek();
    this.need(k);
    this.number();
    if (k === 'v') {
      this.need('_');
      this.number();
    }
    this.need('_');
  }

  /**
   * <name>: the node, whether it ends in template args (a return type follows in an encoding),
   * whether it is a ctor/dtor/conversion, and the cv/ref qualifiers of a nested name.
   */
  name(top: boolean): { node: Node; template: boolean; ctorDtorConv: boolean; suffix: string } {
    const c = this.peek();
    if (c === 'N') return this.nested(top);
    if (c === 'Z') return this.local(top);
    let node: Node;
    let subst = false;
    if (c === 'S' && this.peek(1) !== 't') {
      node = this.substitution(false);
      subst = true;
    } else {
      const std = this.eat('St');
      const u = this.unqualified(undefined);
      node = std ? { k: 'qual', scope: nameNode('std'), name: u.node } : u.node;
      if (this.peek() !== 'I') return { node, template: false, ctorDtorConv: u.ctorDtorConv, suffix: '' };
    }
    if (this.peek() !== 'I') return { node, template: false, ctorDtorConv: false, suffix: '' };
    if (!subst) this.subs.push(node);
    const args = this.templateArgList();
    if (top) this.templateArgs = args;
    return { node: { k: 'template', name: node, args }, template: true, ctorDtorConv: false, suffix: '' };
  }

  nested(top: boolean): { node: Node; template: boolean; ctorDtorConv: boolean; suffix: string } {
    this.need('N');
    const suffix = this.cvQualifiers() + (this.eat('R') ? ' &' : this.eat('O') ? ' &&' : '');
    let node: Node | undefined;
    let template = false;
    let ctorDtorConv = false;
    for (;;) {
      const c = this.peek();
      if (c === 'E') break;
      let fromSub = false;
      if (c === 'S' && this.peek(1) !== 't') {
        node = this.substitution(true);
        fromSub = true;
        template = false;
      } else if (c === 'I') {
        if (!node) throw new Fail();
        const args = this.templateArgList();
        if (top) this.templateArgs = args;
        node = { k: 'template', name: node, args };
        template = true;
      } else if (c === 'T') {
        node = this.templateParam();
        template = false;
      } else if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) {
        throw new Fail(); // decltype prefixes: not handled
      } else if (c === 'M') {
        this.i++;
        continue;
      } else {
        if (c === 'S') this.i += 2; // St inside a nested name
        const u = this.unqualified(node);
        const part = c === 'S' ? ({ k: 'qual', scope: nameNode('std'), name: u.node } as Node) : u.node;
        node = node ? { k: 'qual', scope: node, name: part } : part;
        template = false;
        ctorDtorConv = u.ctorDtorConv;
      }
      if (!fromSub && this.peek() !== 'E') this.subs.push(node);
    }
    this.need('E');
    if (!node) throw new Fail();
    return { node, template, ctorDtorConv, suffix };
  }

  local(top: boolean): { node: Node; template: boolean; ctorDtorConv: boolean; suffix: string } {
    this.need('Z');
    const fn = this.encoding(true);
    this.need('E');
    let entity: Node;
    let template = false;
    let ctorDtorConv = false;
    let suffix = '';
    if (this.eat('s')) entity = nameNode('string literal');
    else if (this.eat('d')) {
      if (this.peek() !== '_') this.number();
      this.need('_');
      const n = this.name(top);
      entity = n.node;
      template = n.template;
      ctorDtorConv = n.ctorDtorConv;
      suffix = n.suffix;
    } else {
      const n = this.name(top);
      entity = n.node;
      template = n.template;
      ctorDtorConv = n.ctorDtorConv;
      suffix = n.suffix;
    }
    this.discriminator();
    return { node: { k: 'qual', scope: fn, name: entity }, template, ctorDtorConv, suffix };
  }

  discriminator(): void {
    if (this.peek() !== '_') return;
    if (this.eat('__')) {
      this.number();
      this.need('_');
    } else {
      this.i++;
      this.number();
    }
  }

  /** <unqualified-name>, with `scope` the prefix it follows (names a ctor or dtor). */
  unqualified(scope: Node | undefined): { node: Node; ctorDtorConv: boolean } {
    const c = this.peek();
    let node: Node;
    let ctorDtorConv = false;
    if (/\d/.test(c)) node = this.sourceName();
    else if (c === 'C' || (c === 'D' && /[0-5]/.test(this.peek(1)))) {
      const dtor = c === 'D';
      this.i++;
      if (!dtor && this.eat('I')) {
        this.need(this.peek());
        this.type(); // the base class an inheriting constructor comes from
      } else this.i++;
      node = nameNode(`${dtor ? '~' : ''}${this.lastName(scope)}`);
      ctorDtorConv = true;
    } else if (c === 'U') node = this.unnamed();
    else if (c === 'L') {
      this.i++;
      node = this.sourceName();
      this.discriminator();
    } else if (/[a-z]/.test(c)) {
      const o = this.operatorName();
      node = o.node;
      ctorDtorConv = o.conv;
    } else throw new Fail();
    while (this.peek() === 'B') {
      this.i++;
      const tag = this.sourceName() as { k: 'name'; s: string };
      node = nameNode(`${print(node)}[abi:${tag.s}]`);
    }
    return { node, ctorDtorConv };
  }

  /** The unqualified name a ctor/dtor repeats: the last component of its scope, no template args. */
  lastName(scope: Node | undefined): string {
    let n = scope;
    for (;;) {
      if (!n) throw new Fail();
      if (n.k === 'qual') n = n.name;
      else if (n.k === 'template') n = n.name;
      else if (n.k === 'name') {
        const s = n.s;
        const std = Object.values(STD_SUBS).find((v) => v[0] === s || v[1] === s);
        if (std) return std[2];
        return s.replace(/\[abi:[^\]]*\]$/, '');
      } else throw new Fail();
    }
  }

  sourceName(): Node {
    const len = this.number();
    if (len <= 0 || this.i + len > this.s.length) throw new Fail();
    const id = this.s.slice(this.i, this.i + len);
    this.i += len;
    return nameNode(/^_GLOBAL__N/.test(id) ? '(anonymous namespace)' : id);
  }

  unnamed(): Node {
    this.need('U');
    if (this.eat('t')) {
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      return nameNode(`{unnamed type#${n}}`);
    }
    if (this.eat('l')) {
      const params = this.bareFunctionType();
      this.need('E');
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.need('_');
      const fn: Node = { k: 'fn', ret: undefined, params, suffix: '' };
      const text = print(fn).trim();
      return nameNode(`{lambda${text}#${n}}`);
    }
    throw new Fail();
  }

  operatorName(): { node: Node; conv: boolean } {
    const two = this.s.slice(this.i, this.i + 2);
    if (two === 'cv') {
      this.i += 2;
      return { node: nameNode(`operator ${print(this.type())}`), conv: true };
    }
    if (two === 'li') {
      this.i += 2;
      return { node: nameNode(`operator"" ${print(this.sourceName())}`), conv: false };
    }
    if (two[0] === 'v' && /\d/.test(two[1] ?? '')) {
      this.i += 2;
      return { node: nameNode(`operator ${print(this.sourceName())}`), conv: false };
    }
    const op = OPERATORS[two];
    if (!op) throw new Fail();
    this.i += 2;
    return { node: nameNode(`operator${/^[a-z]/.test(op) ? ' ' : ''}${op}`), conv: false };
  }

  cvQualifiers(): string {
    let q = '';
    if (this.eat('r')) q = ' restrict';
    if (this.eat('V')) q = ` volatile${q}`;
    if (this.eat('K')) q = ` const${q}`;
    return q;
  }

  seqId(): number {
    const m = /^[0-9A-Z]+/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    return Number.parseInt(m[0], 36);
  }

  /** S_, S<seq-id>_, or an abbreviation (St, Sa, Sb, Ss, Si, So, Sd). */
  substitution(_prefix: boolean): Node {
    this.need('S');
    const c = this.peek();
    if (c === '_' || /[0-9A-Z]/.test(c)) {
      const n = c === '_' ? 0 : this.seqId() + 1;
      this.need('_');
      const sub = this.subs[n];
      if (!sub) throw new Fail();
      return sub;
    }
    if (c === 't') {
      this.i++;
      return { k: 'qual', scope: nameNode('std'), name: this.unqualified(undefined).node };
    }
    const std = STD_SUBS[c];
    if (!std) throw new Fail();
    this.i++;
    // c++filt prints the full form (its default is verbose); the short one names a ctor/dtor.
    return nameNode(this.verbose ? std[1] : std[0]);
  }

  templateParam(): Node {
    this.need('T');
    const n = this.peek() === '_' ? 0 : this.number() + 1;
    this.need('_');
    const arg = this.templateArgs[n];
    if (!arg) throw new Fail();
    return arg;
  }

  templateArgList(): Node[] {
    this.need('I');
    const args: Node[] = [];
    while (!this.eat('E')) args.push(this.templateArg());
    return args;
  }

  templateArg(): Node {
    const c = this.peek();
    if (c === 'L') return this.exprPrimary();
    if (c === 'J') {
      this.i++;
      const items: Node[] = [];
      while (!this.eat('E')) items.push(this.templateArg());
      return { k: 'pack', items };
    }
    if (c === 'X') throw new Fail(); // expressions: not handled
    return this.type();
  }

  exprPrimary(): Node {
    this.need('L');
    if (this.eat('_Z')) {
      const e = this.encoding();
      this.need('E');
      return e;
    }
    const t = this.type();
    const tname = t.k === 'name' ? t.s : undefined;
    const m = /^(n?)([0-9a-f]*)E/.exec(this.s.slice(this.i));
    if (!m) throw new Fail();
    this.i += m[0].length;
    const value = `${m[1] ? '-' : ''}${m[2]}`;
    if (tname === 'bool' && (value === '0' || value === '1'))
      return nameNode(value === '1' ? 'true' : 'false');
    if (tname === 'int') return nameNode(value);
    const code = Object.entries(BUILTIN).find(([, v]) => v === tname)?.[0];
    if (code && LITERAL_SUFFIX[code]) return nameNode(`${value}${LITERAL_SUFFIX[code]}`);
    return nameNode(`(${print(t)})${value}`);
  }

  type(): Node {
    const c = this.peek();
    if (BUILTIN[c]) {
      this.i++;
      return nameNode(BUILTIN[c] as string);
    }
    let t: Node;
    switch (c) {
      case 'D': {
        const d = this.peek(1);
        if (BUILTIN_D[d]) {
          this.i += 2;
          return nameNode(BUILTIN_D[d] as string);
        }
        if (d === 'p') {
          this.i += 2;
          t = this.type(); // a pack expansion: the pack's items (spliced by the caller)
          break;
        }
        if (d === 'F') {
          this.i += 2;
          const bits = this.number();
          this.need('_');
          return nameNode(`_Float${bits}`);
        }
        throw new Fail();
      }
      case 'u':
        this.i++;
        return this.sourceName();
      case 'r':
      case 'V':
      case 'K': {
        const q = this.cvQualifiers();
        t = overPack(this.type(), (of) => qualified(q, of));
        break;
      }
      case 'P':
      case 'R':
      case 'O': {
        this.i++;
        const op = c === 'P' ? '*' : c === 'R' ? '&' : '&&';
        t = overPack(this.type(), (to) => pointer(op, to));
        break;
      }
      case 'F': {
        this.i++;
        this.eat('Y');
        const ret = this.type();
        const params = this.bareFunctionType();
        const ref = this.eat('R') ? ' &' : this.eat('O') ? ' &&' : '';
        this.need('E');
        t = { k: 'fn', ret, params, suffix: ref };
        break;
      }
      case 'A': {
        this.i++;
        let dim = '';
        if (/\d/.test(this.peek())) dim = String(this.number());
        this.need('_');
        t = { k: 'array', dim, of: this.type() };
        break;
      }
      case 'M': {
        this.i++;
        const cls = this.type();
        const of = this.type();
        t = { k: 'member', cls, of };
        break;
      }
      case 'T': {
        t = this.templateParam();
        if (this.peek() === 'I') {
          this.subs.push(t);
          t = { k: 'template', name: t, args: this.templateArgList() };
        }
        break;
      }
      case 'S': {
        const d = this.peek(1);
        if (d === '_' || /[0-9A-Z]/.test(d)) {
          t = this.substitution(false);
          if (this.peek() !== 'I') return t;
          t = { k: 'template', name: t, args: this.templateArgList() };
          break;
        }
        if (d !== 't') {
          // An abbreviation (Sa, Ss…) is no new candidate; with template args the whole is.
          t = this.substitution(false);
          if (this.peek() !== 'I') return t;
          t = { k: 'template', name: t, args: this.templateArgList() };
          break;
        }
        t = this.name(false).node;
        break;
      }
      default:
        t = this.name(false).node;
    }
    this.subs.push(t);
    return t;
  }
}

/** `f` over each item of a pack (a pack expansion), or over the one type. */
function overPack(t: Node, f: (n: Node) => Node): Node {
  return t.k === 'pack' ? { k: 'pack', items: t.items.map(f) } : f(t);
}

/** Qualifiers on a type: merged with its own, and moved onto an array's elements. */
function qualified(q: string, of: Node): Node {
  if (of.k === 'array') return { k: 'array', dim: of.dim, of: qualified(q, of.of) };
  if (of.k === 'cv') {
    const all = new Set([...of.q.split(' '), ...q.split(' ')].filter(Boolean));
    const order = ['const', 'volatile', 'restrict'].filter((w) => all.has(w));
    return { k: 'cv', q: order.map((w) => ` ${w}`).join(''), of: of.of };
  }
  return { k: 'cv', q, of };
}

/** A pointer or reference; references to references collapse (`& &&` is `&`). */
function pointer(op: '*' | '&' | '&&', to: Node): Node {
  if (op !== '*' && to.k === 'ptr' && to.op !== '*')
    return { k: 'ptr', op: op === '&' || to.op === '&' ? '&' : '&&', to: to.to };
  return { k: 'ptr', op, to };
}

/**
 * The demangled form of an Itanium-mangled name (`_Z…`, also `__Z…` and `_GLOBAL__sub_I_…`-free
 * plain names are returned as undefined), with GCC clone suffixes (`.cold`, `.isra.0`) as
 * ` [clone .cold]`; undefined if it is not a mangled name or uses what this demangler lacks.
 */
export function demangle(name: string): string | undefined {
  if (!name.startsWith('_Z')) return undefined;
  const p = new Parser(name);
  p.i = 2;
  try {
    const node = p.encoding();
    let text = print(node);
    const rest = name.slice(p.i);
    if (rest !== '') {
      const clones = /^(?:\.[A-Za-z_]+(?:\.\d+)*|\.\d+)+$/.exec(rest);
      if (!clones) return undefined;
      for (const m of rest.matchAll(/\.[A-Za-z_]+(?:\.\d+)*|\.\d+/g)) text += ` [clone ${m[0]}]`;
    }
    return text;
  } catch (e) {
    if (e instanceof Fail || e instanceof RangeError) return undefined;
    throw e;
  }
}
