// A small code editor: a transparent textarea over a highlighted copy of its text, a gutter of
// line numbers that toggles breakpoints, a marked line for the pc and squiggles for errors.
// Hand-written instead of a full editor library so the page's first paint stays fast.

import { highlightLine, type Squiggle } from './highlight.js';

export class Editor {
  readonly textarea: HTMLTextAreaElement;
  readonly #pre: HTMLElement;
  readonly #gutter: HTMLElement;
  readonly breakpoints = new Set<number>();
  dialect: 'llvm' | 'ubpf' = 'llvm';
  #squiggles: readonly Squiggle[] = [];
  #pcLine: number | undefined;
  #onChange: () => void;
  onBreakpoints: () => void = () => {};

  constructor(host: HTMLElement, onChange: () => void) {
    this.#onChange = onChange;
    host.classList.add('editor');
    this.#gutter = document.createElement('div');
    this.#gutter.className = 'gutter';
    const code = document.createElement('div');
    code.className = 'code';
    this.#pre = document.createElement('pre');
    this.#pre.className = 'hl';
    this.#pre.setAttribute('aria-hidden', 'true');
    this.textarea = document.createElement('textarea');
    this.textarea.spellcheck = false;
    this.textarea.setAttribute('autocapitalize', 'off');
    this.textarea.setAttribute('aria-label', 'eBPF assembly');
    this.textarea.wrap = 'off';
    code.append(this.#pre, this.textarea);
    host.append(this.#gutter, code);
    this.textarea.addEventListener('input', () => {
      this.render();
      this.#onChange();
    });
    this.textarea.addEventListener('keydown', (e) => {
      if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      // execCommand keeps the browser's undo history, unlike assigning value.
      document.execCommand('insertText', false, '    ');
    });
    this.#gutter.addEventListener('click', (e) => {
      const n = Number((e.target as HTMLElement).dataset.line);
      if (!n) return;
      if (this.breakpoints.has(n)) this.breakpoints.delete(n);
      else this.breakpoints.add(n);
      this.render();
      this.onBreakpoints();
    });
  }

  get value(): string {
    return this.textarea.value;
  }
  set value(text: string) {
    this.textarea.value = text;
    this.breakpoints.clear();
    this.render();
  }

  set squiggles(list: readonly Squiggle[]) {
    this.#squiggles = list;
    this.render();
  }
  set pcLine(line: number | undefined) {
    if (line === this.#pcLine) return;
    this.#pcLine = line;
    this.render();
    if (line !== undefined) this.#gutter.children[line - 1]?.scrollIntoView({ block: 'nearest' });
  }

  render(): void {
    const lines = this.textarea.value.split('\n');
    const marks = new Map<number, [number, number, string][]>();
    for (const s of this.#squiggles) {
      const list = marks.get(s.line) ?? [];
      list.push([s.col - 1, s.col - 1 + s.length, s.message]);
      marks.set(s.line, list);
    }
    this.#pre.innerHTML = lines
      .map((l, i) => {
        const n = i + 1;
        const cls = ['ln', n === this.#pcLine ? 'pc' : '', marks.has(n) ? 'err' : '']
          .filter(Boolean)
          .join(' ');
        return `<div class="${cls}">${highlightLine(l, this.dialect, marks.get(n)) || ' '}</div>`;
      })
      .join('');
    this.#gutter.innerHTML = lines
      .map((_, i) => {
        const n = i + 1;
        const cls = ['gl', this.breakpoints.has(n) ? 'bp' : '', n === this.#pcLine ? 'pc' : '']
          .filter(Boolean)
          .join(' ');
        return `<div class="${cls}" data-line="${n}" title="toggle a breakpoint">${n}</div>`;
      })
      .join('');
    // The textarea grows with its text; the editor box scrolls both layers together.
    this.textarea.style.height = `${lines.length * 1.5 + 1}em`;
    this.textarea.style.width = `${Math.max(40, ...lines.map((l) => l.length)) + 2}ch`;
  }
}
