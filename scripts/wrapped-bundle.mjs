// What the CLI's commands and the library's layers have in common as files: CommonJS bundles that
// src/code-cache.ts reads as latin1 and compiles with V8's code cache (scripts/bundle-cli.mjs,
// scripts/bundle-lib.mjs).
import { readFileSync } from 'node:fs';

/** import.meta.url of the modules inside a bundle: the bundle file's own URL. */
const BUNDLE_URL = "var __tsbpfBundleUrl=require('node:url').pathToFileURL(__filename).href;";

/** esbuild options for a file run by its own CommonJS loader (the launcher, the library's loader). */
export const commonJsFile = {
  format: 'cjs',
  define: { 'import.meta.url': '__tsbpfBundleUrl' },
  banner: { js: BUNDLE_URL },
};

/**
 * esbuild options for a bundle src/code-cache.ts runs: the file is the function Node's loader
 * would wrap a CommonJS module in, already wrapped, so it is compiled as read instead of as a
 * second, concatenated copy; no comments or indentation, less to read on each start (identifiers
 * are kept: class names and stacks stay as written).
 */
export const wrappedBundle = {
  ...commonJsFile,
  banner: { js: `(function (exports, require, module, __filename, __dirname) {${BUNDLE_URL}` },
  footer: { js: '})' },
  minifyWhitespace: true,
};

/**
 * Checks a written bundle: ASCII only (latin1 is an exact decode of nothing else), and no import()
 * left in it (vm.Script on Node 20 has no dynamic-import host). `name` says which file in errors.
 */
export function checkWrappedBundle(file, name) {
  const text = readFileSync(file, 'latin1');
  const wide = text.search(/[\x80-\xff]/);
  if (wide >= 0) throw new Error(`${name}: a non-ASCII character at offset ${wide}`);
  const dynamic = /\bimport\(/.exec(text);
  if (dynamic)
    throw new Error(
      `${name}: an import() at offset ${dynamic.index}: ${text.slice(dynamic.index, dynamic.index + 60)}`,
    );
}
