// A case reference people can read out on a phone line, derived from the pseudonymous case
// id so every service computes the same one without a lookup. Six digits rather than four:
// four collide after about a hundred open cases (birthday bound), six after about a thousand,
// and the console tells the rare collision apart.

export const CASE_REF_PATTERN = /^BCN-\d{6}$/;

/** 32-bit FNV-1a: tiny, stable across runtimes and well spread for uuid input. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** 'BCN-482113' from a case uuid; upper- and lower-case spellings of one uuid agree. */
export function caseRefOf(caseId: string): string {
  const digits = String(fnv1a(caseId.trim().toLowerCase()) % 1_000_000).padStart(6, '0');
  return `BCN-${digits}`;
}
