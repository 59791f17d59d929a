// YAML (or JSON, which YAML reads too) with positions: every node can say where it is as
// FILE:LINE:COL, so a configuration error points at the text that caused it.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

/** A configuration mistake, with where it is. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

export class YamlSource {
  readonly file: string;
  readonly root: Node | null;
  readonly #lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.#lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const { line, col } = this.#lines.linePos(err.pos[0]);
      throw new ConfigError(`${file}:${line}:${col}`, `bad YAML: ${err.message.split('\n')[0]}`);
    }
    this.root = doc.contents as Node | null;
  }

  /** FILE:LINE:COL of a node (the file alone without one). */
  at(node: Node | null | undefined): string {
    const offset = node?.range?.[0];
    if (offset === undefined) return this.file;
    const { line, col } = this.#lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  fail(node: Node | null | undefined, reason: string): never {
    throw new ConfigError(this.at(node), reason);
  }

  /** A mapping's entries by key, rejecting keys not in `allowed`. */
  mapping(node: Node | null | undefined, what: string, allowed: readonly string[]): Map<string, Node> {
    if (!isMap(node)) this.fail(node, `${what} must be a mapping`);
    const out = new Map<string, Node>();
    for (const pair of (node as YAMLMap).items) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : undefined;
      if (name === undefined || !allowed.includes(name))
        this.fail(key, `unknown key '${String(name ?? key)}' in ${what} (known: ${allowed.join(', ')})`);
      out.set(name, pair.value as Node);
    }
    return out;
  }

  /** A mapping with free-form keys (user names, header names). */
  entries(node: Node, what: string): [string, Node][] {
    if (!isMap(node)) this.fail(node, `${what} must be a mapping`);
    return (node as YAMLMap).items.map((pair) => {
      const key = pair.key as Node;
      if (!isScalar(key) || typeof key.value !== 'string')
        this.fail(key, `a key of ${what} must be a string`);
      return [key.value as string, pair.value as Node];
    });
  }

  sequence(node: Node, what: string): Node[] {
    if (!isSeq(node)) this.fail(node, `${what} must be a list`);
    return node.items as Node[];
  }

  string(node: Node, what: string): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '')
      this.fail(node, `${what} must be a non-empty string`);
    return node.value as string;
  }

  integer(node: Node, what: string, min: number, max: number): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(node, `${what} must be an integer from ${min} to ${max}`);
    return v as number;
  }

  oneOf<T extends string>(node: Node, what: string, values: readonly T[]): T {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'string' || !values.includes(v as T))
      this.fail(node, `${what} must be one of ${values.join(', ')}`);
    return v as T;
  }
}
