import { renderEmail, type Locale, type MessageFacts } from '@beacon/alerting-domain';
import { simpleParser } from 'mailparser';
import { composeMailMessage } from './mail-message';

const facts: MessageFacts = {
  kind: 'alert',
  urgency: 'critical',
  eventCode: 'DET',
  caseRef: 'BCN-482113',
  ackCode: '4821',
  consoleUrl: 'https://console.beacon.example/cases/6f1c1d7e-3b1a-4c1e-9a59-0c7b1b2f9a10',
  casesInIncident: 5,
};

function compose(locale: Locale, subject?: string) {
  const rendered = renderEmail(facts, locale);
  return {
    rendered: { ...rendered, subject: subject ?? rendered.subject },
    raw: composeMailMessage(
      {
        from: 'alerts@beacon.example',
        to: 'po-almaty-1@beacon.example',
        ...rendered,
        ...(subject === undefined ? {} : { subject }),
        headers: { 'X-Beacon-Notification': 'n-1', 'X-Beacon-Case-Ref': facts.caseRef },
      },
      '<m-1@beacon.example>',
      new Date('2026-11-28T04:21:29Z'),
    ),
  };
}

describe(composeMailMessage.name, () => {
  it.each(['en', 'ru', 'kk', 'uz', 'ky'] as const)(
    'reads back as the page rendered in %s',
    async (locale) => {
      const { rendered, raw } = compose(locale);
      expect(raw).not.toBeNull();
      const mail = await simpleParser(raw ?? '');

      expect(mail.subject).toBe(rendered.subject);
      expect(mail.text?.trimEnd()).toBe(rendered.text.trimEnd());
      expect(String(mail.html).replace(/\r\n/g, '\n').trimEnd()).toBe(rendered.html.trimEnd());
      expect(mail.messageId).toBe('<m-1@beacon.example>');
      expect(mail.date?.toISOString()).toBe('2026-11-28T04:21:29.000Z');
      expect(mail.headers.get('x-beacon-case-ref')).toBe('BCN-482113');
      expect(mail.headers.get('x-beacon-notification')).toBe('n-1');
      expect(mail.to).toMatchObject({ value: [{ address: 'po-almaty-1@beacon.example' }] });
    },
  );

  it('keeps every line within the limits of SMTP, and an ASCII page readable as it is', () => {
    const { raw } = compose('en', `${'A long subject '.repeat(12)}end`);
    const lines = (raw ?? '').split('\r\n');

    expect(lines.every((line) => line.length <= 998)).toBe(true);
    expect(lines.filter((line) => /^(Subject| )/.test(line)).every((l) => l.length <= 78)).toBe(
      true,
    );
    expect(raw).toContain(facts.consoleUrl);
  });

  it('folds a long subject outside ASCII into encoded words that read back whole', async () => {
    const subject = 'КРИТИЧНО: задержание, инцидент из пяти дел — ответ ACK 4821 '.repeat(4);
    const { raw } = compose('ru', subject);
    const lines = (raw ?? '').split('\r\n');

    expect(lines.every((line) => line.length <= 78 || !/^(Subject| )/.test(line))).toBe(true);
    expect((await simpleParser(raw ?? '')).subject).toBe(subject);
  });

  it('leaves to nodemailer what needs more than plain headers', () => {
    const rendered = renderEmail(facts, 'en');
    const content = { from: 'alerts@beacon.example', ...rendered, headers: {} };

    expect(
      composeMailMessage({ ...content, to: 'offizier@bücher.example' }, '<m@b>', new Date()),
    ).toBeNull();
    expect(
      composeMailMessage(
        { ...content, to: 'a@b.example\r\nBcc: x@y.example' },
        '<m@b>',
        new Date(),
      ),
    ).toBeNull();
  });
});
