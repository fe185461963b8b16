export const CLI_KAFKA = Symbol('CLI_KAFKA');
