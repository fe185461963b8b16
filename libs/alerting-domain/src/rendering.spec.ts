import { caseRefOf } from './case-ref';
import { ALL_EVENT_CODES } from './event-codes';
import { MESSAGE_KINDS, MessageFactsError, type MessageFacts } from './message-facts';
import { findPersonalData } from './personal-data';
import { renderEmail, renderSms } from './render';
import { LOCALES, URGENCIES, type Locale } from './types';

const caseId = '0190f5a2-7c1e-7d7e-9c1a-5b3e2f1d4c6b';

// Everything a case may hold that no message may carry, as a hotline might record it.
const aCaseFullOfPersonalData = {
  caseId,
  personName: 'Rustam Nazarov',
  personNameCyrillic: 'Рустам Назаров',
  registrationNumber: '123-09C12345',
  nationality: 'Uzbek',
  countryOfOrigin: 'Uzbekistan',
  facility: 'IVS Almaty-2 Temporary Holding Facility',
  district: 'Alatau',
  callerPhone: '+7 701 555 12 34',
  notes: 'Taken at midnight by masked men from flat 14; his wife Dilnoza says he was beaten.',
};

const sensitive = [
  aCaseFullOfPersonalData.personName,
  'Rustam',
  'Nazarov',
  aCaseFullOfPersonalData.personNameCyrillic,
  'Назаров',
  aCaseFullOfPersonalData.registrationNumber,
  aCaseFullOfPersonalData.nationality,
  aCaseFullOfPersonalData.countryOfOrigin,
  aCaseFullOfPersonalData.facility,
  'IVS Almaty-2',
  aCaseFullOfPersonalData.district,
  aCaseFullOfPersonalData.callerPhone,
  aCaseFullOfPersonalData.notes,
  'masked men',
  'Dilnoza',
  'beaten',
];

function factsFor(kind: MessageFacts['kind'], overrides: Partial<MessageFacts> = {}): MessageFacts {
  return {
    urgency: 'critical',
    eventCode: 'DET',
    caseRef: caseRefOf(caseId),
    ackCode: '4821',
    ackUrl: 'https://console.beacon.example/ack/tok_9f8e7d6c5b4a',
    consoleUrl: `https://console.beacon.example/cases/${caseId}`,
    casesInIncident: kind === 'incident-update' ? 5 : undefined,
    kind,
    ...overrides,
  };
}

const everyRendering = LOCALES.flatMap((locale) =>
  MESSAGE_KINDS.map((kind) => [locale, kind] as [Locale, MessageFacts['kind']]),
);

describe('rendering', () => {
  it('uses a guard that does see the personal data in the case itself', () => {
    expect(findPersonalData(JSON.stringify(aCaseFullOfPersonalData), sensitive)).toEqual(sensitive);
  });

  describe.each(everyRendering)('%s %s', (locale, kind) => {
    // The case sits beside the facts in the same object: it still cannot reach the message.
    const smuggled = { ...aCaseFullOfPersonalData, ...factsFor(kind) };
    const email = renderEmail(smuggled, locale);
    const sms = renderSms(smuggled, locale);
    const everything = [email.subject, email.text, email.html, sms.text, ...sms.parts];

    it('carries no personal data', () => {
      for (const rendered of everything) expect(findPersonalData(rendered, sensitive)).toEqual([]);
    });

    it('carries the pointer: urgency, event code, case reference', () => {
      for (const rendered of [email.subject, email.text, sms.text]) {
        expect(rendered).toContain(caseRefOf(caseId));
      }
      if (kind !== 'stand-down') expect(sms.text).toContain('DET');
      expect(email.text).toContain(`https://console.beacon.example/cases/${caseId}`);
    });

    it('says how to acknowledge, except when standing down', () => {
      if (kind === 'stand-down') {
        expect(sms.text).not.toContain('ACK');
        expect(email.text).not.toContain('ACK');
      } else {
        expect(sms.text).toContain('ACK 4821');
        expect(email.text).toContain('ACK 4821');
        expect(email.html).toContain('href="https://console.beacon.example/ack/tok_9f8e7d6c5b4a"');
      }
    });

    it('fits one SMS part', () => {
      expect(sms.parts).toEqual([sms.text]);
      expect(sms.encoding).toBe(locale === 'en' || locale === 'uz' ? 'GSM7' : 'UCS2');
    });
  });

  it('writes each language in its own words', () => {
    const texts = LOCALES.map((locale) => renderEmail(factsFor('alert'), locale).text);

    expect(new Set(texts).size).toBe(LOCALES.length);
    expect(renderEmail(factsFor('alert'), 'ru').html).toContain('<html lang="ru">');
  });

  it('spells out the event code in the e-mail and counts the incident', () => {
    expect(renderEmail(factsFor('alert', { casesInIncident: 6 }), 'en').text).toMatch(
      /^CRITICAL alert: DET \(detention\), case BCN-\d{6}\. The incident now has 6 cases\./,
    );
    expect(renderEmail(factsFor('incident-update'), 'ru').subject).toMatch(/дел: 5$/);
  });

  it('escapes the HTML', () => {
    const en = renderEmail(factsFor('alert'), 'en').html;
    const uz = renderEmail(factsFor('alert'), 'uz').html;

    expect(en).toContain('&quot;I have it&quot;');
    expect(en).not.toContain('"I have it"');
    expect(uz).toContain('O&#39;TA SHOSHILINCH');
  });

  it('leaves the ack link out when there is none', () => {
    const email = renderEmail(factsFor('alert', { ackUrl: undefined }), 'en');

    expect(email.text).not.toContain('/ack/');
    expect(email.text).toContain('ACK 4821');
  });

  it('renders in English when a stored locale is not one it knows', () => {
    expect(renderSms(factsFor('alert'), 'de' as Locale).text).toBe(
      renderSms(factsFor('alert'), 'en').text,
    );
  });

  describe('refuses facts that could carry personal data', () => {
    it.each<[string, Partial<MessageFacts>]>([
      ['a name as case reference', { caseRef: 'Rustam Nazarov' }],
      ['a registration number as ack code', { ackCode: '123-09C12345' }],
      ['a phone number as ack code', { ackCode: '+77015551234' }],
      ['a nationality as event code', { eventCode: 'Uzbek' as MessageFacts['eventCode'] }],
      [
        'free text in a link',
        { consoleUrl: 'https://console.beacon.example/cases?note=Rustam%20Nazarov%20beaten' },
      ],
      ['a Cyrillic name in a link', { ackUrl: 'https://console.beacon.example/ack/Назаров' }],
      ['an e-mail in a link', { ackUrl: 'https://console.beacon.example/ack/rustam@example.com' }],
      ['credentials in a link', { consoleUrl: 'https://rustam:secret@console.beacon.example/' }],
      ['a fragment in a link', { consoleUrl: 'https://console.beacon.example/cases#Rustam' }],
      ['a link that is not http', { consoleUrl: 'javascript:alert(1)' }],
      ['a fractional case count', { casesInIncident: 2.5 }],
    ])('%s', (_, overrides) => {
      expect(() => renderEmail(factsFor('alert', overrides), 'en')).toThrow(MessageFactsError);
      expect(() => renderSms(factsFor('alert', overrides), 'ru')).toThrow(MessageFactsError);
    });

    it('an incident update without its count', () => {
      expect(() =>
        renderSms(factsFor('incident-update', { casesInIncident: undefined }), 'en'),
      ).toThrow(/casesInIncident/);
    });
  });

  it('renders every urgency and event code', () => {
    for (const urgency of URGENCIES) {
      for (const eventCode of ALL_EVENT_CODES) {
        for (const locale of LOCALES) {
          const email = renderEmail(factsFor('alert', { urgency, eventCode }), locale);
          expect(email.text).toContain(eventCode);
          expect(email.text).not.toMatch(/undefined|NaN|\[object/);
        }
      }
    }
  });
});
