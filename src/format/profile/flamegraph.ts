// A flame graph as one self-contained SVG file: the stack tree laid out root at the bottom, each
// frame as wide as its share of the profile, a <title> on each (the browser's tooltip), and the
// embedded script (flamegraph-script.ts) for click-to-zoom, reset and search. Nothing is fetched
// from the network; the file opens in any browser.
import { flameGraphScript } from './flamegraph-script.js';
import { type StackNode, type StackSample, stackTree } from './stacks.js';

export interface FlameGraphOptions {
  /** The heading (default "Flame Graph"). */
  title?: string;
  /** What a value counts, for the tooltips (default "samples"). */
  unit?: string;
  /** Image width in pixels (default 1200). */
  width?: number;
  /** Frame height in pixels (default 16). */
  frameHeight?: number;
  /** Frames narrower than this many pixels are left out (default 0.1, as flamegraph.pl). */
  minWidth?: number;
}

const FONT_SIZE = 12;
/** Average glyph width of the font at FONT_SIZE, for cutting labels to fit. */
const CHAR_WIDTH = 7;
const PAD = 10;
const TOP = 48;
const BOTTOM = 28;

/** Text safe in XML content and attributes; control characters XML forbids are dropped. */
function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    out += ch === '<' || ch === '>' || ch === '&' || ch === '"' || ch === "'" ? `&#${c};` : ch;
  }
  return out;
}

/** A stable colour per name: kernel frames (`_[k]`) orange, JIT/JavaScript (`_[j]`) green, the rest warm. */
export function frameColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  const v = (h % 1000) / 1000;
  const w = ((h >>> 10) % 1000) / 1000;
  if (name.endsWith('_[k]')) return `rgb(${220 + Math.round(35 * v)},${120 + Math.round(60 * w)},0)`;
  if (name.endsWith('_[j]'))
    return `rgb(${50 + Math.round(60 * v)},${170 + Math.round(60 * w)},${50 + Math.round(40 * v)})`;
  return `rgb(${205 + Math.round(50 * v)},${Math.round(230 * w)},${Math.round(55 * v)})`;
}

/** The label that fits `px` pixels: the name, cut with '..', or nothing. */
function fitLabel(name: string, px: number): string {
  const fits = Math.floor((px - 6) / CHAR_WIDTH);
  if (fits < 3) return '';
  return name.length <= fits ? name : `${name.slice(0, fits - 2)}..`;
}

function depthOf(node: StackNode): number {
  let d = 0;
  for (const c of node.children) d = Math.max(d, 1 + depthOf(c));
  return d;
}

/** The flame graph SVG of `samples` (or of a tree already built). */
export function flameGraphSvg(
  samples: readonly StackSample[] | StackNode,
  opts: FlameGraphOptions = {},
): string {
  const root = Array.isArray(samples) ? stackTree(samples as StackSample[]) : (samples as StackNode);
  const width = opts.width ?? 1200;
  const fh = opts.frameHeight ?? 16;
  const minWidth = opts.minWidth ?? 0.1;
  const unit = opts.unit ?? 'samples';
  const title = opts.title ?? 'Flame Graph';
  const inner = width - 2 * PAD;
  const total = root.value;
  const depth = depthOf(root);
  const height = TOP + (depth + 1) * fh + BOTTOM;
  const out: string[] = [];
  const walk = (node: StackNode, x: number, d: number): void => {
    const w = total > 0 ? node.value / total : 0;
    if (w * inner < minWidth) return;
    const px = x * inner;
    const pw = w * inner;
    const y = height - BOTTOM - (d + 1) * fh;
    const pct = total > 0 ? ((node.value / total) * 100).toFixed(2) : '0';
    const name = escapeXml(node.name);
    const fill = frameColor(node.name);
    out.push(
      `<g class="f" data-n="${name}" data-x="${x.toFixed(9)}" data-w="${w.toFixed(9)}" data-d="${d}" data-c="${fill}">` +
        `<title>${name} (${node.value.toLocaleString('en-US')} ${unit}, ${pct}%)</title>` +
        `<rect x="${(PAD + px).toFixed(2)}" y="${y}" width="${pw.toFixed(2)}" height="${fh - 1}" fill="${fill}" rx="2" ry="2"/>` +
        `<text x="${(PAD + px + 3).toFixed(2)}" y="${y + fh - 4}">${escapeXml(fitLabel(node.name, pw))}</text></g>`,
    );
    let cx = x;
    for (const c of node.children) {
      walk(c, cx, d + 1);
      cx += total > 0 ? c.value / total : 0;
    }
  };
  walk(root, 0, 0);
  return `<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<style>
text { font-family: Verdana, sans-serif; font-size: ${FONT_SIZE}px; fill: rgb(0,0,0); }
g.f { cursor: pointer; }
g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }
g.parent { opacity: 0.5; }
#title { font-size: 17px; text-anchor: middle; }
.button { cursor: pointer; fill: rgb(40,40,160); }
#reset { opacity: 0; }
</style>
<rect x="0" y="0" width="${width}" height="${height}" fill="rgb(248,248,248)"/>
<text id="title" x="${width / 2}" y="24">${escapeXml(title)}</text>
<text id="reset" class="button" x="${PAD}" y="24">Reset Zoom</text>
<text id="search" class="button" x="${width - PAD - 60}" y="24">Search</text>
<text id="matched" x="${width - PAD - 200}" y="${height - 10}"></text>
<text id="details" x="${PAD}" y="${height - 10}"> </text>
${out.join('\n')}
<script type="text/ecmascript"><![CDATA[
${flameGraphScript(inner, PAD, CHAR_WIDTH)}
]]></script>
</svg>
`;
}
