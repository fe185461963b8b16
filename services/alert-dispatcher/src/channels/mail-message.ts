import { randomUUID } from 'node:crypto';

/** One page as the e-mail channel sends it: text and HTML alternatives and a few headers. */
export interface MailContent {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Readonly<Record<string, string>>;
}

const ASCII_HEADER_VALUE = /^[\x20-\x7e]*$/;
const ASCII_LINE = /^[\t\x20-\x7e]*$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
/** Bytes of UTF-8 per encoded word: 56 base64 characters, a line of 77 with "Subject: ". */
const ENCODED_WORD_BYTES = 42;

/**
 * The RFC 5322 message of one page, composed directly: the message always has the same shape,
 * and building it through a general MIME library cost more than everything else about a send.
 * multipart/alternative with a text and an HTML part in UTF-8, each 7bit when it is plain
 * ASCII in short lines and base64 otherwise; a subject outside ASCII as RFC 2047 encoded
 * words. Null when an address or header would need more than that: the caller then leaves
 * the composing to nodemailer.
 */
export function composeMailMessage(
  content: MailContent,
  messageId: string,
  date: Date,
): string | null {
  const plainHeaders: [string, string][] = [
    ['From', content.from],
    ['To', content.to],
    ['Date', date.toUTCString().replace(/GMT$/, '+0000')],
    ['Message-ID', messageId],
    ...Object.entries(content.headers),
  ];
  for (const [name, value] of plainHeaders) {
    if (!HEADER_NAME.test(name) || !ASCII_HEADER_VALUE.test(value) || value.length > 900)
      return null;
  }
  const subject = encodeSubject(content.subject);
  if (subject === null) return null;
  const boundary = `--beacon-${randomUUID()}`;
  const head = [
    ...plainHeaders.map(([name, value]) => `${name}: ${value}`),
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  return (
    `${head.join('\r\n')}\r\n\r\n` +
    `--${boundary}\r\n${bodyPart('text/plain', content.text)}\r\n` +
    `--${boundary}\r\n${bodyPart('text/html', content.html)}\r\n` +
    `--${boundary}--\r\n`
  );
}

function bodyPart(type: string, body: string): string {
  const text = body.replace(/\r?\n/g, '\r\n');
  const lines = text.split('\r\n');
  const plain = lines.every((line) => line.length <= 998 && ASCII_LINE.test(line));
  const encoded = plain
    ? text
    : (Buffer.from(text, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g)
        ?.join('\r\n') ?? '');
  return (
    `Content-Type: ${type}; charset=utf-8\r\n` +
    `Content-Transfer-Encoding: ${plain ? '7bit' : 'base64'}\r\n\r\n${encoded}`
  );
}

/** The subject folded into lines, or encoded words when it is not plain ASCII. */
function encodeSubject(subject: string): string | null {
  const oneLine = subject.replace(/[\r\n]+/g, ' ');
  if (ASCII_HEADER_VALUE.test(oneLine)) {
    const lines: string[] = [];
    let line = '';
    for (const word of oneLine.split(' ')) {
      if (word.length > 900) return null;
      // "Subject: " starts the first line.
      if (line && line.length + word.length + 1 > (lines.length === 0 ? 68 : 76)) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    return lines.join('\r\n ');
  }
  const words: string[] = [];
  let chunk = '';
  for (const char of oneLine) {
    if (Buffer.byteLength(chunk + char, 'utf8') > ENCODED_WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words
    .map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`)
    .join('\r\n ');
}
