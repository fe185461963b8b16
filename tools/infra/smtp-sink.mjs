// An SMTP server that accepts every message, keeps the latest in memory and shows them
// on a small read-only web page: mail from local runs and tests goes nowhere real.
import http from 'node:http';

const MAX_MESSAGES = 200;

/** @typedef {(msg: string) => void} Log */

/** @type {Log} */
const defaultLog = (msg) => {
  process.stderr.write(`[infra] ${msg}\n`);
};

/**
 * @typedef {object} SinkMessage
 * @property {number} id
 * @property {string} from
 * @property {string[]} to         envelope recipients (includes Bcc)
 * @property {string} subject
 * @property {string} text         plain-text body ('' if the message had none)
 * @property {string | undefined} html
 * @property {Date} receivedAt
 */

/**
 * @typedef {object} SmtpSink
 * @property {string} url          "smtp://127.0.0.1:<port>"
 * @property {string} webUrl       "http://127.0.0.1:<webPort>/"
 * @property {SinkMessage[]} messages  oldest first, at most 200
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{ port?: number, webPort?: number, host?: string, log?: Log }} [opts]
 *   port 0 / webPort 0 pick free ports
 * @returns {Promise<SmtpSink>}
 */
export async function startSmtpSink({
  port = 1025,
  webPort = 8025,
  host = '127.0.0.1',
  log = defaultLog,
} = {}) {
  /** @type {SinkMessage[]} */
  const messages = [];
  let nextId = 1;

  const smtp = await createSmtpServer(async (raw, envelope) => {
    const message = await toSinkMessage(nextId++, raw, envelope);
    messages.push(message);
    if (messages.length > MAX_MESSAGES) messages.splice(0, messages.length - MAX_MESSAGES);
    log(
      `mail #${message.id} from=${message.from} to=${message.to.join(',')} subject=${JSON.stringify(message.subject)}`,
    );
  });
  // Listen errors reject listen() below; this catches connection-level errors, which
  // SMTPServer re-emits and which would otherwise crash the process.
  smtp.on('error', (err) => log(`SMTP sink: ${err.message}`));
  const web = http.createServer((req, res) => serveWeb(req, res, messages));

  let smtpPort;
  try {
    smtpPort = await listen(smtp.server, port, host);
    webPort = await listen(web, webPort, host);
  } catch (err) {
    await Promise.all([closeSmtp(smtp), closeHttp(web)]);
    throw err;
  }

  const urlHost = host.includes(':') ? `[${host}]` : host;
  const sink = {
    url: `smtp://${urlHost}:${smtpPort}`,
    webUrl: `http://${urlHost}:${webPort}/`,
    messages,
    stop: async () => {
      await Promise.all([closeSmtp(smtp), closeHttp(web)]);
    },
  };
  log(`SMTP sink at ${sink.url}, messages at ${sink.webUrl}`);
  return sink;
}

/**
 * @param {(raw: import('node:stream').Readable, envelope: { mailFrom: string, rcptTo: string[] }) => Promise<void>} onMessage
 */
async function createSmtpServer(onMessage) {
  const { SMTPServer } = await import('smtp-server');
  return new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Clients configured with credentials still get through: any user/password is accepted.
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onData(stream, session, callback) {
      const envelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      };
      onMessage(stream, envelope).then(
        () => callback(),
        (err) => {
          stream.resume();
          callback(err);
        },
      );
    },
  });
}

/**
 * @param {number} id
 * @param {import('node:stream').Readable} raw
 * @param {{ mailFrom: string, rcptTo: string[] }} envelope
 * @returns {Promise<SinkMessage>}
 */
async function toSinkMessage(id, raw, envelope) {
  const mod = await import('mailparser');
  const { simpleParser } = mod.default ?? mod;
  const parsed = await simpleParser(raw);
  return {
    id,
    from: parsed.from?.text || envelope.mailFrom,
    to: envelope.rcptTo,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : undefined,
    receivedAt: new Date(),
  };
}

/**
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {SinkMessage[]} messages
 */
function serveWeb(req, res, messages) {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, page('Method not allowed', ''));
  const path = new URL(req.url ?? '/', 'http://sink').pathname;
  if (path === '/') return send(res, 200, listPage(messages));
  const match = /^\/messages\/(\d+)$/.exec(path);
  const message = match && messages.find((m) => m.id === Number(match[1]));
  if (message) return send(res, 200, messagePage(message));
  return send(
    res,
    404,
    page(
      'Not found',
      '<p>No such message (only the latest 200 are kept).</p><p><a href="/">All messages</a></p>',
    ),
  );
}

/** @param {SinkMessage[]} messages */
function listPage(messages) {
  const rows = [...messages]
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.receivedAt.toISOString())}</td>` +
        `<td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td>` +
        `<td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(', '))}</td></tr>`,
    )
    .join('\n');
  const body = messages.length
    ? `<table><thead><tr><th>Received</th><th>Subject</th><th>From</th><th>To</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
    : '<p>No messages yet.</p>';
  return page(`Mail (${messages.length})`, body);
}

/** @param {SinkMessage} m */
function messagePage(m) {
  return page(
    m.subject || '(no subject)',
    `<p><a href="/">All messages</a></p>
<dl><dt>From</dt><dd>${escapeHtml(m.from)}</dd><dt>To</dt><dd>${escapeHtml(m.to.join(', '))}</dd>` +
      `<dt>Received</dt><dd>${escapeHtml(m.receivedAt.toISOString())}</dd></dl>
<pre>${escapeHtml(m.text)}</pre>`,
  );
}

/**
 * @param {string} title
 * @param {string} body already escaped HTML
 */
function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

/** @param {string} s */
function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {string} html
 */
function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(html);
}

/**
 * @param {import('node:net').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<number>} the bound port
 */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

/** @param {import('smtp-server').SMTPServer} smtp */
function closeSmtp(smtp) {
  if (!smtp.server.listening) return Promise.resolve();
  return new Promise((resolve) => smtp.close(() => resolve(undefined)));
}

/** @param {http.Server} server */
function closeHttp(server) {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve(undefined));
    server.closeAllConnections();
  });
}
