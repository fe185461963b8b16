import { ACK_CODE_PATTERN } from './message-facts';

// Phones set to a Cyrillic keyboard type "АСК" with Cyrillic letters that look like the
// Latin ones; the reply means the same thing.
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  с: 'c',
  к: 'k',
  А: 'a',
  С: 'c',
  К: 'k',
};

const REPLY = /^(?:ack)?[\s:.,#-]*(\d{4,6})[\s.!]*$/;

/**
 * The acknowledgement code in an SMS reply ('ACK 4821', 'ack4821', 'АСК 4821', '4821'), or
 * null when the reply is anything else and should go to a person instead.
 */
export function parseAckReply(text: string): string | null {
  const normalised = [...text.normalize('NFKC').trim()]
    .map((char) => LOOKALIKES[char] ?? char)
    .join('')
    .toLowerCase();
  const code = REPLY.exec(normalised)?.[1];
  return code !== undefined && ACK_CODE_PATTERN.test(code) ? code : null;
}
