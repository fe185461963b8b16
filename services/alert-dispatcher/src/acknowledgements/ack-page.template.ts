// The pages behind an acknowledgement link: a confirm step (mail scanners follow links with
// GET, so GET never acknowledges) and the outcome. They show the pointer only, in the
// language of the recipient the link was sent to (the texts live with the messages' own in
// @beacon/alerting-domain).
import { ackPageTexts, type AckPageTexts, type Urgency } from '@beacon/alerting-domain';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(lang: string, title: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="${escape(lang)}">\n<head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escape(title)}</title>` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}` +
    `button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

export function confirmPage(
  locale: string,
  view: { caseRef: string; urgency: Urgency; action: string },
): string {
  const { locale: lang, texts, urgencyLabel } = ackPageTexts(locale);
  return page(
    lang,
    texts.confirmTitle(view.caseRef),
    `<h1>${escape(texts.confirmHeading(view.caseRef))}</h1>\n` +
      `<p>${escape(texts.confirmBody(urgencyLabel(view.urgency), view.caseRef))}</p>\n` +
      `<form method="post" action="${escape(view.action)}"><button type="submit">${escape(texts.confirmButton)}</button></form>`,
  );
}

/** What a link led to; every outcome has its page. */
export type AckPageOutcome =
  | { outcome: 'acknowledged'; cases: number }
  | { outcome: 'already-acknowledged'; at: Date }
  | { outcome: 'closed'; status: string }
  | { outcome: 'expired' }
  | { outcome: 'invalid' }
  | { outcome: 'not-found' };

/** An instant as people read it, in UTC: 2025-03-06 00:14 UTC. */
function instant(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function outcomeTexts(t: AckPageTexts, result: AckPageOutcome): [title: string, body: string] {
  switch (result.outcome) {
    case 'acknowledged':
      return [t.acknowledgedTitle, t.acknowledgedBody(result.cases)];
    case 'already-acknowledged':
      return [t.alreadyAcknowledgedTitle, t.alreadyAcknowledgedBody(instant(result.at))];
    case 'closed':
      return [t.closedTitle, result.status === 'superseded' ? t.supersededBody : t.resolvedBody];
    case 'expired':
      return [t.expiredTitle, t.expiredBody];
    case 'invalid':
      return [t.invalidTitle, t.invalidBody];
    case 'not-found':
      return [t.notFoundTitle, t.notFoundBody];
  }
}

export function outcomePage(locale: string, result: AckPageOutcome): string {
  const { locale: lang, texts } = ackPageTexts(locale);
  const [title, body] = outcomeTexts(texts, result);
  return page(lang, title, `<h1>${escape(title)}</h1>\n<p>${escape(body)}</p>`);
}
