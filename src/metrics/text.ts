// The Prometheus text exposition format (version 0.0.4): HELP and TYPE lines per family, one
// line per sample, label values escaped.
import { formatValue, type MetricFamily } from './family.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const NEEDS_ESCAPE = /[\\\n"]/;
const escapeLabel = (s: string): string =>
  NEEDS_ESCAPE.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s;

export function renderText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      let labels = '';
      for (const k in s.labels) labels += `${labels ? ',' : '{'}${k}="${escapeLabel(s.labels[k] as string)}"`;
      out.push(`${s.name}${labels ? `${labels}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
