// The VM suite's vitest config: test/vm/**/*.vm.test.ts, run INSIDE the qemu guest by
// test/vm.test.ts (kprobes, fentry and the tracefs fallback need a kernel this host lacks).
// Same public-name aliases as the root config.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^tsbpf\/isa$/, replacement: here('../../isa/index.ts') },
      { find: /^tsbpf\/btf$/, replacement: here('../../btf/index.ts') },
      { find: /^tsbpf$/, replacement: here('../../src/index.ts') },
    ],
  },
  // The guest sees the tree read-only through 9p: keep vite's cache in the guest's /tmp.
  cacheDir: '/tmp/tsbpf-vm-vite',
  test: {
    root: here('../..'),
    include: ['test/vm/**/*.vm.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
