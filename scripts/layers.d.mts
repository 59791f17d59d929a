// Types of layers.mjs for the TypeScript tests that apply the same rules.
export interface Layer {
  name: string;
  paths: string[];
  pure: boolean;
  koffi?: boolean;
  may: string[];
  role: string;
}
export interface Import {
  file: string;
  line: number;
  spec: string;
  target: string | undefined;
}
export declare const ROOT: string;
export declare const LAYERS: Layer[];
export declare function layerOf(file: string): Layer | undefined;
export declare function layeredFiles(): string[];
export declare function importsOf(file: string): Import[];
export declare function violation(imp: Pick<Import, 'file' | 'spec' | 'target'>): string | undefined;
export declare function layerViolations(files?: string[]): string[];
