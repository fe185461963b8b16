import { ACK_PAGE_TEXTS, LOCALES, type Locale } from '@beacon/alerting-domain';
import { confirmPage, outcomePage, type AckPageOutcome } from './ack-page.template';

const caseRef = 'BCN-482113';
const action = '/v1/ack/AZBxXnwcfX2cWhtePy1MbAAAAAA.s0m3thing-signed_here';

/** What a reader sees: the text without tags or entities. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[^<]*<\/style>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ')
    .trim();
}

describe(confirmPage.name, () => {
  it.each(LOCALES)('asks in %s, with lang set, and shows the case reference only', (locale) => {
    const t = ACK_PAGE_TEXTS[locale];
    const urgency = {
      en: 'CRITICAL',
      ru: 'КРИТИЧНО',
      kk: 'АСА ШҰҒЫЛ',
      uz: "O'TA SHOSHILINCH",
      ky: 'ӨТӨ ШАШЫЛЫШ',
    }[locale];

    const html = confirmPage(locale, { caseRef, urgency: 'critical', action });

    expect(html).toContain(`<html lang="${locale}">`);
    expect(html).toContain(
      `<form method="post" action="${action}"><button type="submit">${t.confirmButton}</button></form>`,
    );
    expect(visibleText(html)).toBe(
      [
        t.confirmTitle(caseRef),
        t.confirmHeading(caseRef),
        t.confirmBody(urgency, caseRef),
        t.confirmButton,
      ]
        .join(' ')
        .replace(/\s+/g, ' '),
    );
  });

  it('shows a Russian recipient no English', () => {
    const text = visibleText(confirmPage('ru', { caseRef, urgency: 'high', action }));

    expect(text).toContain('СРОЧНО: сигнал по делу BCN-482113.');
    expect(text.replace(/BCN-\d+|SMS/g, '')).not.toMatch(/[A-Za-z]/);
  });

  it('falls back to English for a locale it has no texts for', () => {
    expect(confirmPage('de', { caseRef, urgency: 'critical', action })).toContain(
      '<html lang="en">',
    );
  });
});

describe(outcomePage.name, () => {
  const outcomes: AckPageOutcome[] = [
    { outcome: 'acknowledged', cases: 5 },
    { outcome: 'already-acknowledged', at: new Date('2025-03-06T00:14:27.512Z') },
    { outcome: 'closed', status: 'resolved' },
    { outcome: 'closed', status: 'superseded' },
    { outcome: 'expired' },
    { outcome: 'invalid' },
    { outcome: 'not-found' },
  ];
  const everyPage = LOCALES.flatMap((locale) =>
    outcomes.map((result) => [locale, result.outcome, result] as [Locale, string, AckPageOutcome]),
  );

  it.each(everyPage)('says it in %s, with lang set (%s)', (locale, _, result) => {
    const html = outcomePage(locale, result);

    expect(html).toContain(`<html lang="${locale}">`);
    const english = visibleText(outcomePage('en', result));
    if (locale !== 'en') expect(visibleText(html)).not.toBe(english);
  });

  it('tells what happened', () => {
    const say = (locale: Locale, result: AckPageOutcome) =>
      visibleText(outcomePage(locale, result));

    expect(say('en', { outcome: 'acknowledged', cases: 5 })).toContain(
      'escalation has stopped (5 case(s) of the incident)',
    );
    expect(say('ru', { outcome: 'acknowledged', cases: 5 })).toMatch(
      /^Подтверждено Подтверждено Спасибо\. .*дел инцидента: 5\)\.$/,
    );
    expect(say('kk', outcomes[1]!)).toContain('2025-03-06 00:14 UTC');
    expect(say('uz', { outcome: 'closed', status: 'superseded' })).toContain('yangi signal');
    expect(say('ky', { outcome: 'closed', status: 'resolved' })).toContain('Бул белги жабылды');
    expect(say('ru', { outcome: 'expired' })).toContain('ответьте на SMS');
  });
});
