import { ACK_PAGE_TEXTS, ackPageTexts, localeFromAcceptLanguage } from './ack-page-texts';
import { TEMPLATES } from './templates';
import { LOCALES, URGENCIES, type Locale } from './types';

/** Every text of a locale, with sample values in its slots. */
function everyText(locale: Locale): Record<string, string> {
  const t = ACK_PAGE_TEXTS[locale];
  return Object.fromEntries(
    Object.entries(t).map(([key, value]) => [
      key,
      typeof value === 'function'
        ? (value as (...slots: unknown[]) => string)('CRITICAL', 'BCN-482113')
        : value,
    ]),
  );
}

describe('acknowledgement page texts', () => {
  it.each(LOCALES.filter((l) => l !== 'en'))('translates every text into %s', (locale) => {
    const english = everyText('en');
    for (const [key, text] of Object.entries(everyText(locale))) {
      expect({ key, text }).toEqual({ key, text: expect.not.stringMatching(/^\s*$/) });
      expect({ key, text }).not.toEqual({ key, text: english[key] });
    }
  });

  it('asks for the acknowledgement in the words of the messages', () => {
    expect(LOCALES.map((l) => ACK_PAGE_TEXTS[l].confirmButton)).toEqual([
      'I have it',
      'Беру',
      'Аламын',
      'Olaman',
      'Алам',
    ]);
    for (const locale of LOCALES) {
      expect(TEMPLATES[locale].ackBySms({ ack: '4821' } as never).toLowerCase()).toContain(
        ACK_PAGE_TEXTS[locale].confirmButton.toLowerCase(),
      );
    }
  });

  it('labels urgency as the messages do, in the locale', () => {
    for (const locale of LOCALES) {
      for (const urgency of URGENCIES) {
        expect(ackPageTexts(locale).urgencyLabel(urgency)).toBe(TEMPLATES[locale].urgency[urgency]);
      }
    }
  });

  it('writes Uzbek with the ASCII apostrophe, as its messages', () => {
    expect(Object.values(everyText('uz')).join(' ')).not.toMatch(/[ʻʼ‘’`]/u);
  });

  it('falls back to English for a locale it does not have', () => {
    expect(ackPageTexts('de').locale).toBe('en');
    expect(ackPageTexts('de').texts).toBe(ACK_PAGE_TEXTS.en);
    expect(ackPageTexts('ru').texts).toBe(ACK_PAGE_TEXTS.ru);
  });
});

describe(localeFromAcceptLanguage.name, () => {
  it.each([
    ['ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7', 'ru'],
    ['de-DE,de;q=0.9,kk;q=0.5,en;q=0.4', 'kk'],
    ['en;q=0.5, uz-Latn-UZ;q=0.8', 'uz'],
    ['KY', 'ky'],
    ['fr-FR,fr;q=0.9', 'en'],
    ['ru;q=0', 'en'],
    ['*', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%s → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });
});
