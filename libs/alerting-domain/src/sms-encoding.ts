// GSM 03.38 (3GPP TS 23.038): what fits in 7 bits decides whether an SMS holds 160
// characters or 70. Concatenated parts lose room to the 6-byte user-data header.

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// Each costs two septets: the escape, then the character.
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basic: ReadonlySet<string> = new Set(GSM7_BASIC);
const extension: ReadonlySet<string> = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM7' | 'UCS2';

export const SMS_LIMITS = {
  GSM7: { single: 160, part: 153 },
  UCS2: { single: 70, part: 67 },
} as const satisfies Record<SmsEncoding, { single: number; part: number }>;

export function isGsm7(text: string): boolean {
  for (const char of text) {
    if (!basic.has(char) && !extension.has(char)) return false;
  }
  return true;
}

/** Septets for GSM-7, UTF-16 code units for UCS-2 (what the SMSC counts). */
function unitsOf(char: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS2') return char.length;
  return extension.has(char) ? 2 : 1;
}

export function smsLength(text: string): { encoding: SmsEncoding; units: number } {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM7' : 'UCS2';
  let units = 0;
  for (const char of text) units += unitsOf(char, encoding);
  return { encoding, units };
}

/**
 * The parts an SMS is sent as. Splits by code point, so neither an escaped GSM-7 character
 * nor a UTF-16 surrogate pair is ever cut in two; the parts joined are the text.
 */
export function segmentSms(text: string): { encoding: SmsEncoding; parts: string[] } {
  const { encoding, units } = smsLength(text);
  const limits = SMS_LIMITS[encoding];
  if (units <= limits.single) return { encoding, parts: [text] };

  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const cost = unitsOf(char, encoding);
    if (used + cost > limits.part) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += cost;
  }
  parts.push(current);
  return { encoding, parts };
}
