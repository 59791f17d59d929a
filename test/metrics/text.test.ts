// The Prometheus text format: escaping of help and label values, special values, empty label sets.
import { describe, expect, it } from 'vitest';
import { formatValue } from '../../src/metrics/family.js';
import { renderText } from '../../src/metrics/text.js';

describe('Prometheus text', () => {
  it('escapes help (backslash, newline) and label values (backslash, quote, newline)', () => {
    const text = renderText([
      {
        name: 'x_total',
        help: 'a\\b\nc',
        type: 'counter',
        samples: [
          { name: 'x_total', labels: { comm: 'a"b\\c\nd', pid: '7' }, value: 3 },
          { name: 'x_total', labels: {}, value: 0.5 },
        ],
      },
    ]);
    expect(text).toBe(
      '# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{comm="a\\"b\\\\c\\nd",pid="7"} 3\nx_total 0.5\n',
    );
  });

  it('writes +Inf, -Inf, NaN and exact decimals', () => {
    expect([Infinity, -Infinity, Number.NaN, 1.023e-6, 2 ** 53].map(formatValue)).toEqual([
      '+Inf',
      '-Inf',
      'NaN',
      '0.000001023',
      '9007199254740992',
    ]);
    expect(renderText([])).toBe('');
  });
});
