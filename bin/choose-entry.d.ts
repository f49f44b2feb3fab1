export interface SourceFile {
  readonly path: string;
  readonly mtimeMs: number;
}

export type EntryChoice =
  | { readonly entry: 'dist' }
  | { readonly entry: 'sources'; readonly reason: string; readonly stale?: string };

export declare const runtimeSourceDirs: readonly string[];
export declare function compiledPathOf(sourcePath: string): string;
export declare function chooseEntry(sources: readonly SourceFile[], compiledMtime: (path: string) => number | undefined): EntryChoice;
export declare function chooseEntryAt(root: string): EntryChoice;
