export const CLI_KAFKA = Symbol('CLI_KAFKA');
/** The shared audit log: administrative acts of the CLI (rebuilds, dropped versions, replays, grants) go there. */
export const CLI_AUDIT = Symbol('CLI_AUDIT');
