// The last line of defence behind the templates: tests run it over every rendering, and a
// sender can run it over a message before it leaves, with the case's own identifying values.

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeHtml(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, body: string) => {
      if (body.startsWith('#x') || body.startsWith('#X'))
        return String.fromCodePoint(parseInt(body.slice(2), 16));
      if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
      return NAMED_ENTITIES[body.toLowerCase()] ?? entity;
    });
}

function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
}

function alphanumeric(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]/gu, '');
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/** Runs of digits as people write numbers: '+7 (700) 000-00-42' is one run. */
function digitRuns(text: string): string[] {
  return (text.match(/\d(?:[\s\-()./]*\d)*/g) ?? []).map(digitsOf);
}

/**
 * Which of `sensitive` appear in `rendered` (text or HTML): case-insensitively; for values
 * with digits (registration and phone numbers) also after dropping separators, and phone
 * numbers without their country or trunk prefix ('+7 700 000 0042' matches '8 700 0000042').
 */
export function findPersonalData(rendered: string, sensitive: readonly string[]): string[] {
  const views = [rendered, decodeHtml(rendered)];
  const folded = views.map(fold);
  const compact = views.map(alphanumeric);
  const runs = views.flatMap(digitRuns);

  return sensitive.filter((value) => {
    const needle = fold(value).trim();
    if (needle === '') return false;
    if (folded.some((view) => view.includes(needle))) return true;

    const compactNeedle = alphanumeric(value);
    if (
      /\d/.test(compactNeedle) &&
      compactNeedle.length >= 6 &&
      compact.some((view) => view.includes(compactNeedle))
    ) {
      return true;
    }
    const digits = digitsOf(value);
    if (digits.length >= 7) {
      const significant = digits.length > 10 ? digits.slice(-10) : digits;
      return runs.some((run) => run.includes(significant));
    }
    return false;
  });
}
