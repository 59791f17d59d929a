// What the build embeds in the page: the lessons' examples and the conformance suite's files.

import type { Dialect, InterpMapSpec } from '../isa/index.js';

export interface MapDecl extends InterpMapSpec {
  readonly name: string;
}

/** A lesson's example block (docs/learn/*.md). */
export interface LessonExample {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  readonly file: string;
  readonly line: number;
  readonly dialect: Dialect;
  readonly source: string;
  /** Hex bytes. */
  readonly mem: string;
  readonly maps: readonly MapDecl[];
  readonly expect: { readonly r0?: string; readonly verifier?: string };
}

/** A conformance test file, parsed in the page with isa's parseConformanceTest. */
export interface ConformanceExample {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  readonly data: string;
}

export type Example = LessonExample | ConformanceExample;

/** What the editor and the debugger work on: the program text and its inputs. */
export interface Workspace {
  source: string;
  dialect: Dialect;
  /** Input memory as hex bytes (r1 = its address, r2 = its length). */
  mem: string;
  maps: MapDecl[];
}
