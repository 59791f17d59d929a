// .kconfig values without a kernel: a config's text and a release string in, the extern bytes out
// (the loader supplies the running kernel's; test/object/load.test.ts checks that end to end).
import { describe, expect, it } from 'vitest';
import {
  fillKconfig,
  KconfigError,
  kernelVersionCode,
  parseKernelConfig,
} from '../../../src/format/object/kconfig.js';
import type { ExternSpec } from '../../../src/format/object/spec.js';

const CONFIG = ['# comment', 'CONFIG_BPF=y', 'CONFIG_MOD=m', 'CONFIG_HZ=250', 'CONFIG_NAME="tsbpf"', ''].join(
  '\n',
);

const ext = (name: string, offset: number, size: number, weak = false): ExternSpec => ({
  name,
  section: '.kconfig',
  offset,
  size,
  weak,
  btfType: 0,
});

describe('kconfig', () => {
  it('parses CONFIG_ lines and nothing else', () => {
    expect([...parseKernelConfig(CONFIG)]).toEqual([
      ['CONFIG_BPF', 'y'],
      ['CONFIG_MOD', 'm'],
      ['CONFIG_HZ', '250'],
      ['CONFIG_NAME', '"tsbpf"'],
    ]);
  });

  it('KERNEL_VERSION(a, b, c) of a release, c capped at 255', () => {
    expect(kernelVersionCode('6.18.0-rc1')).toBe((6 << 16) + (18 << 8));
    expect(kernelVersionCode('5.10.300')).toBe((5 << 16) + (10 << 8) + 255);
    expect(kernelVersionCode('garbage')).toBe(0);
  });

  it('fills each extern at its offset: y/m/n, numbers, strings, overrides, the version', () => {
    const data = new Uint8Array(40);
    const externs = [
      ext('CONFIG_BPF', 0, 1),
      ext('CONFIG_MOD', 1, 1),
      ext('CONFIG_HZ', 4, 4),
      ext('LINUX_KERNEL_VERSION', 8, 4),
      ext('CONFIG_NAME', 16, 8),
      ext('CONFIG_OVERRIDDEN', 24, 8),
      ext('CONFIG_ABSENT', 32, 1, true),
    ];
    const source = { release: '6.1.2', config: parseKernelConfig(CONFIG) };
    fillKconfig(data, externs, new Map([['CONFIG_OVERRIDDEN', '0x1234']]), source);
    const view = new DataView(data.buffer);
    expect([data[0], data[1]]).toEqual([1, 2]);
    expect(view.getUint32(4, true)).toBe(250);
    expect(view.getUint32(8, true)).toBe((6 << 16) + (1 << 8) + 2);
    expect(new TextDecoder().decode(data.subarray(16, 21))).toBe('tsbpf');
    expect(view.getBigUint64(24, true)).toBe(0x1234n);
    expect(data[32]).toBe(0);
  });

  it('a missing non-weak extern or a value that does not fit is a KconfigError naming it', () => {
    const data = new Uint8Array(8);
    const none = { release: '6.1.0', config: undefined };
    expect(() => fillKconfig(data, [ext('CONFIG_MISSING', 0, 1)], new Map(), none)).toThrow(
      /CONFIG_MISSING.*no value/,
    );
    const small = { release: '6.1.0', config: parseKernelConfig(CONFIG) };
    expect(() => fillKconfig(data, [ext('CONFIG_NAME', 0, 4)], new Map(), small)).toThrow(KconfigError);
    expect(() => fillKconfig(data, [ext('CONFIG_HZ', 0, 3)], new Map(), small)).toThrow(/size 3/);
  });
});
