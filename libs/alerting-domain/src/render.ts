import { checkedFacts, type MessageFacts } from './message-facts';
import { segmentSms, type SmsEncoding } from './sms-encoding';
import { TEMPLATES, type LocaleTemplates, type Slots } from './templates';
import { type Locale } from './types';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderedSms {
  text: string;
  encoding: SmsEncoding;
  parts: string[];
}

// A locale read from storage may be anything at run time; an alert in English beats none.
function templatesFor(locale: Locale): { locale: Locale; t: LocaleTemplates } {
  return Object.hasOwn(TEMPLATES, locale)
    ? { locale, t: TEMPLATES[locale] }
    : { locale: 'en', t: TEMPLATES.en };
}

function slotsOf(facts: Readonly<MessageFacts>, t: LocaleTemplates): Slots {
  return {
    urgency: t.urgency[facts.urgency],
    code: facts.eventCode,
    event: t.events[facts.eventCode],
    ref: facts.caseRef,
    ack: facts.ackCode,
    cases: facts.casesInIncident ?? 1,
  };
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

type Block = { text: string } | { label: string; url: string };

/** Throws MessageFactsError when a fact has the wrong shape. */
export function renderEmail(facts: MessageFacts, locale: Locale): RenderedEmail {
  const checked = checkedFacts(facts);
  const { locale: lang, t } = templatesFor(locale);
  const slots = slotsOf(checked, t);

  const headline = t.headline[checked.kind](slots);
  const blocks: Block[] = [
    {
      text:
        checked.kind === 'alert' && slots.cases > 1
          ? `${headline} ${t.incidentSize(slots)}`
          : headline,
    },
  ];
  if (checked.kind !== 'stand-down') {
    blocks.push({ text: t.ackBySms(slots) });
    if (checked.ackUrl !== undefined) blocks.push({ label: t.ackByLink, url: checked.ackUrl });
  }
  blocks.push({ label: t.openCase, url: checked.consoleUrl }, { text: t.noPersonalData });

  const text = blocks.map((b) => ('url' in b ? `${b.label} ${b.url}` : b.text)).join('\n\n');
  const body = blocks
    .map((b) =>
      'url' in b
        ? `<p>${escapeHtml(b.label)} <a href="${escapeHtml(b.url)}">${escapeHtml(b.url)}</a></p>`
        : `<p>${escapeHtml(b.text)}</p>`,
    )
    .join('\n');
  const subject = t.subject[checked.kind](slots);
  const html =
    `<!doctype html>\n<html lang="${lang}">\n<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n` +
    `<body>\n${body}\n</body>\n</html>\n`;
  return { subject, text, html };
}

/** Throws MessageFactsError when a fact has the wrong shape. */
export function renderSms(facts: MessageFacts, locale: Locale): RenderedSms {
  const checked = checkedFacts(facts);
  const { t } = templatesFor(locale);
  const text = t.sms[checked.kind](slotsOf(checked, t));
  const { encoding, parts } = segmentSms(text);
  return { text, encoding, parts };
}
