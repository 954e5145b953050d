/** The build's folder (below the checkout) and its manifest's file name there. */
export declare const OUT_DIR: string;
export declare const MANIFEST: string;
/** What a build wrote: its entry file and chunks (names in dist/), and each source's mtime. */
export interface BuildManifest {
  entry: string;
  files: string[];
  sources: Record<string, number>;
}
/** Builds dist/ under `root` (default: this checkout); throws on compile errors, publishing nothing. */
export declare function build(options?: { root?: string }): Promise<BuildManifest>;
/** The built entry's path while every recorded source is unchanged, else why not. */
export declare function freshness(root?: string): { entry: string; files: string[]; reason?: undefined } | { reason: string; entry?: undefined };
/** Keeps a build's files from being removed by later builds while this process runs. */
export declare function pin(files: string[], root?: string): void;
/** The first problem of a failed build, on one line. */
export declare function buildProblem(error: unknown): string;
