// Types of arch-graph.mjs for the test that checks docs/architecture.md is current.
export declare const DOC: string;
export declare function folderOf(file: string): string;
export declare function folderEdges(files?: string[]): Map<string, string[]>;
export declare function layerEdges(files?: string[]): Map<string, string[]>;
export declare function archDoc(text?: string): string;
