import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the package by its public names, like a user; they run against the sources.
    alias: [
      { find: /^tsbpf\/isa$/, replacement: here('./isa/index.ts') },
      { find: /^tsbpf\/btf$/, replacement: here('./btf/index.ts') },
      { find: /^tsbpf$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/vm/**', 'node_modules/**', 'dist/**'],
    // Kernel objects are per-process; one file at a time keeps fd and tracefs checks honest.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
