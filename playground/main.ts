// The playground page: wires the editor, the instruction view, the debugger and the examples.
// Everything runs here, in the browser, on isa/'s assembler, disassembler and interpreter; a
// local `tsbpf playground` server only adds the kernel panel.

import { type Dialect, type InterpMapSpec, Interpreter } from '../isa/index.js';
import { type Compiled, compile } from './compile.js';
import { Editor } from './editor.js';
import { describeMap, type Expectation, exampleWorkspace, mapsText, parseMaps } from './examples.js';
import { kernelInfo, loadInKernel } from './kernel.js';
import { kernelReplyHtml } from './kernel-view.js';
import { CTX_REGION, HISTORY_LIMIT, Session, STACK_REGION } from './session.js';
import { decodeWorkspace, encodeWorkspace } from './share.js';
import type { Example, MapDecl, Workspace } from './types.js';
import { fieldTable, hexDump, instructionRows, parseHex, registerRows } from './views.js';

const DEFAULT_PROGRAM = `; Sum 1..10 in a loop. Step through it and watch r0 and r1.
    r0 = 0          ; the sum
    r1 = 1          ; the counter
loop:
    r0 += r1
    r1 += 1
    if r1 <= 10 goto loop
    exit            ; r0 = 55
`;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const editor = new Editor($('editor'), () => {
  // An edited example is the learner's own program now: its expected result no longer applies.
  if (expectation) {
    expectation = undefined;
    $<HTMLSelectElement>('examples').value = '';
  }
  scheduleCompile();
});
const dialectSel = $<HTMLSelectElement>('dialect');
const memBox = $<HTMLTextAreaElement>('mem');
const mapsBox = $<HTMLTextAreaElement>('maps');

let compiled: Compiled = compile('', 'llvm');
let session: Session | undefined;
let inputError = '';
let selected: number | undefined;
let expectation: Expectation | undefined;
let examples: Example[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

function scheduleCompile(): void {
  // Marks the views as behind the text until rebuild() runs (tests wait on it).
  document.body.dataset.stale = '1';
  clearTimeout(timer);
  timer = setTimeout(rebuild, 120);
}

function workspace(): Workspace {
  let maps: MapDecl[] = [];
  try {
    maps = parseMaps(mapsBox.value);
  } catch {}
  return { source: editor.value, dialect: dialectSel.value as Dialect, mem: memBox.value, maps };
}

function setWorkspace(ws: Workspace, expect?: Expectation): void {
  dialectSel.value = ws.dialect;
  editor.dialect = ws.dialect;
  editor.value = ws.source;
  memBox.value = ws.mem;
  mapsBox.value = mapsText(ws.maps);
  expectation = expect;
  selected = undefined;
  rebuild();
}

/** Recompiles the text and starts a fresh debugging session over it. */
function rebuild(): void {
  editor.dialect = dialectSel.value as Dialect;
  compiled = compile(editor.value, editor.dialect);
  session = undefined;
  inputError = '';
  if (compiled.errors.length === 0 && compiled.instructions.length > 0) {
    try {
      const mem = parseHex(memBox.value);
      const maps: Record<string, InterpMapSpec> = {};
      for (const m of parseMaps(mapsBox.value)) maps[m.name] = m;
      session = new Session(compiled.instructions, mem, maps);
    } catch (e) {
      inputError = e instanceof Error ? e.message : String(e);
    }
  }
  if (selected !== undefined && selected >= compiled.instructions.length) selected = undefined;
  render();
  delete document.body.dataset.stale;
}

const lineOfPc = (pc: number): number => compiled.lineOfSlot[pc] ?? 0;

function renderErrors(): void {
  editor.squiggles = compiled.errors.map((d) => ({
    line: d.line,
    col: d.col,
    length: Math.max(1, d.text.length),
    message: d.message,
  }));
  const lines = compiled.errors.map(
    (d) =>
      `<div class="err" data-line="${d.line}" data-col="${d.col}">${d.line}:${d.col}: ${esc(d.message)}</div>`,
  );
  if (inputError) lines.push(`<div class="err">${esc(inputError)}</div>`);
  $('errors').innerHTML = lines.join('');
}

function renderMachine(): void {
  const s = session;
  const pc = s?.pc;
  editor.pcLine = pc === undefined ? undefined : lineOfPc(pc) || undefined;
  $('insns').querySelector('tbody')!.innerHTML = instructionRows(compiled, pc, selected);
  $('fields').innerHTML = selected !== undefined ? fieldTable(compiled.instructions[selected]) : '';
  if (!s) {
    $('regs').querySelector('tbody')!.innerHTML = '';
    $('stack').innerHTML = $('ctx').innerHTML = $('outcome').innerHTML = $('stepinfo').textContent = '';
    $('mapview').innerHTML = $('output').innerHTML = '';
    return;
  }
  const changedRegs = new Set((s.last?.registers ?? []).map((r) => r.reg));
  $('regs').querySelector('tbody')!.innerHTML = registerRows(s.state.regs, changedRegs);
  const recent = s.lastWrites();
  const changed = s.changedSinceStart();
  const frame = s.frame;
  const stack = s.state.stacks[frame];
  const region = STACK_REGION + frame;
  // Rows of the stack that hold anything, plus the top row (r10 - 16 … r10 - 1).
  const rows = new Set<number>([stack.length - 16]);
  for (const off of changed.get(region) ?? []) rows.add(off - (off % 16));
  for (const off of recent.get(region) ?? []) rows.add(off - (off % 16));
  $('stack').innerHTML =
    (frame ? `<div class="addr">frame ${frame}</div>` : '') +
    hexDump(
      stack,
      (o) => `r10-${String(stack.length - o).padStart(3)}`,
      recent.get(region),
      changed.get(region),
      [...rows].sort((a, b) => a - b),
    );
  $('ctx').innerHTML = s.state.ctx.length
    ? hexDump(
        s.state.ctx,
        (o) => `r1+${String(o).padStart(3)}`,
        recent.get(CTX_REGION),
        changed.get(CTX_REGION),
      )
    : '<span class="addr">(none: r1 = r2 = 0)</span>';
  $('stepinfo').textContent = `${s.position} steps${pc !== undefined ? `, next: slot ${pc}` : ''}`;
  renderOutcome(s);
}

function renderOutcome(s: Session): void {
  const o = s.outcome;
  let text = '';
  if (o.kind === 'exit') {
    const r0 = o.result.r0;
    const sgn = BigInt.asIntN(64, r0);
    text = `exit: r0 = ${r0}${sgn < 0n ? ` (${sgn})` : ''} (0x${r0.toString(16)})`;
    if (expectation?.r0 !== undefined)
      text +=
        expectation.r0 === r0
          ? ` <span class="ok">✓ expected 0x${expectation.r0.toString(16)}</span>`
          : ` <span class="bad">✗ expected 0x${expectation.r0.toString(16)}</span>`;
    else if (expectation?.error !== undefined) text += ` <span class="bad">✗ expected an error</span>`;
    const out = s.interpreter.output;
    $('output').innerHTML = out.length ? `<h3>trace_printk</h3><pre>${esc(out.join('\n'))}</pre>` : '';
    const maps = [...s.interpreter.maps.values()];
    $('mapview').innerHTML = maps.length
      ? `<h3>Maps</h3>${maps.map((m) => `<div><b>${esc(m.name)}</b> (${m.type}): ${esc(describeMap(m))}</div>`).join('')}`
      : '';
  } else if (o.kind === 'fault') {
    text = `<span class="bad">fault at pc ${o.fault.pc}: ${esc(o.fault.detail)}</span>`;
    if (expectation?.error !== undefined) text += ` <span class="ok">✓ expected an error</span>`;
  } else if (o.kind === 'error') text = `<span class="bad">${esc(o.message)}</span>`;
  else if (s.truncated)
    text = `stopped after ${HISTORY_LIMIT} steps: the debugger keeps that many for Back (tsbpf run runs it to the end)`;
  $('outcome').innerHTML = text;
}

function renderExpect(): void {
  const e = expectation;
  if (!e) {
    $('expect').innerHTML = '';
    return;
  }
  let text = `<b>${esc(e.label)}</b>`;
  if (e.r0 !== undefined) text += ` — expected r0 = 0x${e.r0.toString(16)}`;
  if (e.error !== undefined) {
    text += ` — expected: an error (${esc(e.error)})`;
    if (compiled.errors.length) text += ' <span class="ok">✓ the assembler rejects it</span>';
  }
  if (e.verifier !== undefined) text += ` — the kernel's verifier says “${esc(e.verifier)}”`;
  $('expect').innerHTML = text;
}

function render(): void {
  renderErrors();
  renderMachine();
  renderExpect();
}

// ---- debugger controls ----
$('step').addEventListener('click', () => {
  session?.step();
  renderMachine();
});
$('back').addEventListener('click', () => {
  session?.back();
  renderMachine();
});
$('reset').addEventListener('click', () => {
  session?.goto(0);
  renderMachine();
});
$('run').addEventListener('click', () => {
  session?.run(editor.breakpoints, lineOfPc);
  renderMachine();
});
// Debugger keys, as in most debuggers: F10 step, Shift+F10 back, F8 run.
document.addEventListener('keydown', (e) => {
  const button = e.key === 'F10' ? (e.shiftKey ? 'back' : 'step') : e.key === 'F8' ? 'run' : undefined;
  if (!button) return;
  e.preventDefault();
  $(button).click();
});
$('insns').addEventListener('click', (e) => {
  const row = (e.target as HTMLElement).closest('tr.insn') as HTMLElement | null;
  if (!row) return;
  selected = Number(row.dataset.index);
  renderMachine();
});
$('errors').addEventListener('click', (e) => {
  const d = (e.target as HTMLElement).closest('.err') as HTMLElement | null;
  if (!d?.dataset.line) return;
  const lines = editor.value.split('\n');
  const at =
    lines.slice(0, Number(d.dataset.line) - 1).reduce((n, l) => n + l.length + 1, 0) +
    Number(d.dataset.col) -
    1;
  editor.textarea.focus();
  editor.textarea.setSelectionRange(at, at);
});
dialectSel.addEventListener('change', rebuild);
memBox.addEventListener('input', scheduleCompile);
mapsBox.addEventListener('input', scheduleCompile);

// ---- sharing ----
$('share').addEventListener('click', async () => {
  const frag = await encodeWorkspace(workspace());
  history.replaceState(null, '', `#${frag}`);
  $('status').textContent = 'link updated: copy it from the address bar';
  try {
    await navigator.clipboard.writeText(location.href);
    $('status').textContent = 'link copied';
  } catch {}
});

// ---- examples (loaded after first paint: the suite is most of the page's bytes) ----
function loadExample(id: string): boolean {
  const ex = examples.find((e) => e.id === id);
  if (!ex) return false;
  const { ws, expect } = exampleWorkspace(ex);
  setWorkspace(ws, expect);
  $<HTMLSelectElement>('examples').value = id;
  return true;
}

function loadExamples(): Promise<void> {
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = 'examples.js';
    script.onload = () => {
      examples = (globalThis as { TSBPF_EXAMPLES?: Example[] }).TSBPF_EXAMPLES ?? [];
      const sel = $<HTMLSelectElement>('examples');
      const groups = new Map<string, Example[]>();
      for (const e of examples) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
      sel.innerHTML =
        `<option value="">(choose one: ${examples.length})</option>` +
        [...groups]
          .map(
            ([g, list]) =>
              `<optgroup label="${esc(g)}">${list.map((e) => `<option value="${esc(e.id)}">${esc(e.title)}</option>`).join('')}</optgroup>`,
          )
          .join('');
      document.body.dataset.examples = String(examples.length);
      resolve();
    };
    script.onerror = () => {
      $<HTMLSelectElement>('examples').innerHTML = '<option value="">(examples.js missing)</option>';
      resolve();
    };
    document.head.append(script);
  });
}
$<HTMLSelectElement>('examples').addEventListener('change', (e) => {
  const id = (e.target as HTMLSelectElement).value;
  if (id && loadExample(id)) history.replaceState(null, '', `#example=${encodeURIComponent(id)}`);
});

// ---- kernel (only when served by `tsbpf playground`) ----
/** r0 of a fresh interpreter run of the current program, to set beside the kernel's. */
function interpreterR0(): bigint | string {
  try {
    const maps: Record<string, InterpMapSpec> = {};
    for (const m of parseMaps(mapsBox.value)) maps[m.name] = m;
    return new Interpreter(compiled.instructions, { maps }).run({ mem: parseHex(memBox.value) }).r0;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

async function setupKernel(): Promise<void> {
  const info = await kernelInfo();
  if (!info) return;
  $('kernel').hidden = false;
  const button = $<HTMLButtonElement>('load-kernel');
  if (!info.kernel) {
    button.disabled = true;
    $('kernel-out').textContent = `the server cannot use the kernel: ${info.reason ?? 'unknown reason'}`;
    return;
  }
  button.addEventListener('click', async () => {
    $('kernel-out').textContent = 'loading…';
    const ws = workspace();
    const reply = await loadInKernel(ws).catch((e: unknown) => ({ error: String(e) }));
    $('kernel-out').innerHTML = kernelReplyHtml(reply, editor.value.split('\n'), interpreterR0());
    if ('accepted' in reply && !reply.accepted && reply.failingLine)
      editor.squiggles = [
        {
          line: reply.failingLine,
          col: 1,
          length: (editor.value.split('\n')[reply.failingLine - 1] ?? '').length,
          message: reply.reason.at(-1) ?? '',
        },
      ];
  });
}

// ---- start ----
async function start(): Promise<void> {
  const hash = location.hash.slice(1);
  let restored = false;
  if (hash.startsWith('p=')) {
    try {
      setWorkspace(await decodeWorkspace(hash));
      restored = true;
    } catch (e) {
      $('status').textContent = `could not read the link: ${e instanceof Error ? e.message : e}`;
    }
  }
  if (!restored) setWorkspace({ source: DEFAULT_PROGRAM, dialect: 'llvm', mem: '', maps: [] });
  document.body.dataset.ready = '1';
  await loadExamples();
  const m = /^example=(.+)$/.exec(hash);
  if (m && !loadExample(decodeURIComponent(m[1])))
    $('status').textContent = `no example '${decodeURIComponent(m[1])}'`;
  await setupKernel();
  document.body.dataset.kernel = $('kernel').hidden ? 'none' : 'shown';
}
void start();
