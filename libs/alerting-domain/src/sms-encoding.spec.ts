import fc from 'fast-check';
import { caseRefOf } from './case-ref';
import { ALL_EVENT_CODES } from './event-codes';
import { MESSAGE_KINDS, type MessageFacts } from './message-facts';
import { renderSms } from './render';
import { isGsm7, segmentSms, smsLength } from './sms-encoding';
import { LOCALES, URGENCIES } from './types';

const digits = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max })
    .map((d) => d.join(''));

const anyFacts: fc.Arbitrary<MessageFacts> = fc.record({
  urgency: fc.constantFrom(...URGENCIES),
  eventCode: fc.constantFrom(...ALL_EVENT_CODES),
  caseRef: fc.oneof(
    fc.uuid().map(caseRefOf),
    digits(6, 6).map((d) => `BCN-${d}`),
  ),
  ackCode: digits(4, 6),
  consoleUrl: fc.constant('https://console.beacon.example/cases/x'),
  casesInIncident: fc.integer({ min: 1, max: 9_999 }),
  kind: fc.constantFrom(...MESSAGE_KINDS),
});

const cyrillic = fc
  .array(fc.constantFrom(...'абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіАБВГҚҢӨҰҮ .,:'), {
    minLength: 71,
    maxLength: 600,
  })
  .map((chars) => chars.join(''));

describe(isGsm7.name, () => {
  it.each([
    ['Beacon: CRITICAL DET case BCN-482113. Reply ACK 4821', true],
    ["Beacon: O'TA SHOSHILINCH DET", true],
    ['{[€]}~^|\\ and ÄÖÑÜäöñüàèéùìòÇØøÅåÆæßÉ¡¿£$¥@§', true],
    ['Beacon: КРИТИЧНО', false],
    ['Oʻzbek with the modifier letter', false],
    ['curly ’ apostrophe', false],
    ['backtick `', false],
    ['lower-case ç', false],
  ])('%s → %s', (text, expected) => {
    expect(isGsm7(text)).toBe(expected);
  });
});

describe(segmentSms.name, () => {
  it('counts escaped GSM-7 characters twice', () => {
    expect(smsLength('€{}')).toEqual({ encoding: 'GSM7', units: 6 });
    expect(segmentSms('€'.repeat(80)).parts).toHaveLength(1);
    expect(segmentSms('€'.repeat(81)).parts).toHaveLength(2);
  });

  it('keeps GSM-7 up to 160 in one part, then 153 a part', () => {
    expect(segmentSms('a'.repeat(160)).parts).toHaveLength(1);
    expect(segmentSms('a'.repeat(161)).parts.map((p) => p.length)).toEqual([153, 8]);
  });

  it('keeps UCS-2 up to 70 in one part, then 67 a part', () => {
    expect(segmentSms('я'.repeat(70))).toEqual({ encoding: 'UCS2', parts: ['я'.repeat(70)] });
    expect(segmentSms('я'.repeat(71)).parts.map((p) => p.length)).toEqual([67, 4]);
  });

  it('splits long Cyrillic text at 67 UTF-16 units a part and loses nothing', () => {
    fc.assert(
      fc.property(cyrillic, (text) => {
        const { encoding, parts } = segmentSms(text);
        expect(encoding).toBe('UCS2');
        expect(parts.join('')).toBe(text);
        expect(parts.length).toBe(Math.ceil(text.length / 67));
        for (const part of parts.slice(0, -1)) expect(part.length).toBe(67);
      }),
    );
  });

  it('never cuts an escaped GSM-7 character or a surrogate pair in two', () => {
    const text = fc
      .array(fc.constantFrom('a', '€', '{', ' ', '😀', 'я'), { minLength: 1, maxLength: 400 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const { encoding, parts } = segmentSms(t);
        const limit = encoding === 'GSM7' ? 153 : 67;
        expect(parts.join('')).toBe(t);
        if (parts.length > 1) {
          for (const part of parts) {
            expect(smsLength(part).units).toBeLessThanOrEqual(limit);
            expect(part).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
          }
        }
      }),
    );
  });
});

describe(renderSms.name, () => {
  it('fits any allowed case reference and ack code in one GSM-7 part in English and Uzbek', () => {
    fc.assert(
      fc.property(anyFacts, fc.constantFrom('en' as const, 'uz' as const), (facts, locale) => {
        const sms = renderSms(facts, locale);
        expect(sms.encoding).toBe('GSM7');
        expect(sms.parts).toEqual([sms.text]);
        expect(smsLength(sms.text).units).toBeLessThanOrEqual(160);
      }),
    );
  });

  it('writes Russian, Kazakh and Kyrgyz as UCS-2 and still fits one 70-character part', () => {
    fc.assert(
      fc.property(
        anyFacts,
        fc.constantFrom('ru' as const, 'kk' as const, 'ky' as const),
        (facts, locale) => {
          const sms = renderSms(facts, locale);
          expect(sms.encoding).toBe('UCS2');
          expect(sms.text.length).toBeLessThanOrEqual(70);
          expect(sms.parts).toEqual([sms.text]);
        },
      ),
    );
  });

  it('reports parts the way segmentSms splits them', () => {
    fc.assert(
      fc.property(anyFacts, fc.constantFrom(...LOCALES), (facts, locale) => {
        const sms = renderSms(facts, locale);
        expect(sms.parts).toEqual(segmentSms(sms.text).parts);
      }),
    );
  });
});
