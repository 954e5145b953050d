/** Absolute path of the source schema (SQLite). */
export declare const SOURCE: string;
/** Absolute path of the derived PostgreSQL schema. */
export declare const TWIN: string;
/** Returns the PostgreSQL twin of a SQLite source schema. */
export declare function derivePostgresSchema(source: string): string;
