import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './infrastructure';

export interface CapturedMail {
  receivedAt: number;
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpCapture {
  port: number;
  url: string;
  messages: CapturedMail[];
  waitForMail(predicate: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  stop(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Where to keep what arrives: pass the list of an earlier capture to go on counting after a restart. */
  messages?: CapturedMail[];
  /**
   * How long stop() lets open client connections (a sender's pool) finish before cutting them;
   * a short one makes stop() an outage, not a drain. smtp-server's default is 30 s.
   */
  closeTimeoutMs?: number;
}

/**
 * A real SMTP server (the smtp-server package) that keeps what it receives. A fixed `port`
 * lets a test stop it and start another on the same address, as a mail server going down and
 * coming back.
 */
export async function startSmtpCapture(port = 0, options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = options.messages ?? [];
  const server = new SMTPServer({
    ...(options.closeTimeoutMs === undefined ? {} : { closeTimeout: options.closeTimeoutMs }),
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              receivedAt: Date.now(),
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
  // Connection-level errors (a client cut off by stop()) are re-emitted by the server; unheard, they would end the test process.
  server.on('error', () => undefined);
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    messages,
    waitForMail: (predicate, timeoutMs = 10_000) =>
      waitFor(() => messages.find(predicate), { timeoutMs, what: 'an e-mail' }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
