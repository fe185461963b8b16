// The pages behind an acknowledgement link: a confirm step (mail scanners follow links with
// GET, so GET never acknowledges) and the outcome. They show the pointer only.

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escape(title)}</title>` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}` +
    `button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

export function confirmPage(view: { caseRef: string; urgency: string; action: string }): string {
  return page(
    `Acknowledge ${view.caseRef}`,
    `<h1>Acknowledge alert ${escape(view.caseRef)}</h1>\n` +
      `<p>${escape(view.urgency.toUpperCase())} alert for case ${escape(view.caseRef)}. ` +
      `Acknowledging says "I have it": escalation to the next contact stops.</p>\n` +
      `<form method="post" action="${escape(view.action)}"><button type="submit">I have it</button></form>`,
  );
}

export function outcomePage(title: string, message: string): string {
  return page(title, `<h1>${escape(title)}</h1>\n<p>${escape(message)}</p>`);
}
