/** Injection tokens for values that have no class of their own. */
export const INTAKE_POOL = Symbol('INTAKE_POOL');
export const INTAKE_KAFKA = Symbol('INTAKE_KAFKA');
export const CASE_TOPIC = Symbol('CASE_TOPIC');
