/**
 * An error a person fixes by changing how Anxin is started or called (a configuration value, a
 * command's argument, a missing package): the CLI prints its message as one line and exits 1,
 * without a stack. Apart from database.ts so that an adapter can throw it without loading the store.
 */
export class StartupError extends Error {}
