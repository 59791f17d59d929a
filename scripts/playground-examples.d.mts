// Types of playground-examples.mjs for the TypeScript tests that read the same examples.
export declare const DEFAULT_CONFORMANCE_DIR: string;
export interface LessonMap {
  name: string;
  type: 'hash' | 'array' | 'percpu_hash' | 'percpu_array' | 'lru_hash';
  keySize: number;
  valueSize: number;
  maxEntries: number;
}
export interface Lesson {
  id: string;
  group: string;
  title: string;
  file: string;
  line: number;
  dialect: 'llvm' | 'ubpf';
  source: string;
  mem: string;
  maps: LessonMap[];
  expect: { r0?: string; verifier?: string };
}
export interface ConformanceFile {
  id: string;
  group: string;
  title: string;
  data: string;
}
export declare function parseMapList(text: string | undefined, where?: string): LessonMap[];
export declare function readLessons(dir: string): Lesson[];
export declare function readConformance(dir: string): ConformanceFile[];
export declare function readExamples(root: string, conformanceDir?: string): (Lesson | ConformanceFile)[];
