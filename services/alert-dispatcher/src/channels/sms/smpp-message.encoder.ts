import { segmentSms, type SmsEncoding } from '@beacon/alerting-domain';
import { encodings } from 'smpp';

export type Concatenation = 'udh' | 'sar';

/** data_coding: 0 is the SMSC's default alphabet (GSM 03.38), 8 is UCS-2. */
export const DATA_CODING: Readonly<Record<SmsEncoding, number>> = { GSM7: 0x00, UCS2: 0x08 };
const UDH_INDICATOR = 0x40;

export interface SubmitFields {
  short_message: Buffer;
  data_coding: number;
  esm_class: number;
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
}

function encodePart(text: string, encoding: SmsEncoding): Buffer {
  // GSM-7 goes as unpacked septets (one octet each, escapes included), as SMPP 3.4 carries it.
  return encoding === 'GSM7' ? encodings.ASCII.encode(text) : Buffer.from(text, 'utf16le').swap16();
}

/**
 * The submit_sm fields for each part of a text: one part within 160 GSM-7 or 70 UCS-2
 * characters, else parts of 153 or 67 (segmentSms) tied together by a concatenation UDH
 * (IEI 0x00, 8-bit reference) or the sar_* TLVs.
 */
export function submitParts(
  text: string,
  concatenation: Concatenation,
  reference: number,
): SubmitFields[] {
  const { encoding, parts } = segmentSms(text);
  const dataCoding = DATA_CODING[encoding];
  if (parts.length === 1) {
    return [{ short_message: encodePart(text, encoding), data_coding: dataCoding, esm_class: 0 }];
  }
  const ref = reference & 0xff;
  return parts.map((part, index) => {
    const body = encodePart(part, encoding);
    if (concatenation === 'sar') {
      return {
        short_message: body,
        data_coding: dataCoding,
        esm_class: 0,
        sar_msg_ref_num: reference & 0xffff,
        sar_total_segments: parts.length,
        sar_segment_seqnum: index + 1,
      };
    }
    const udh = Buffer.from([0x05, 0x00, 0x03, ref, parts.length, index + 1]);
    return {
      short_message: Buffer.concat([udh, body]),
      data_coding: dataCoding,
      esm_class: UDH_INDICATOR,
    };
  });
}

export interface SmsAddress {
  addr: string;
  ton: number;
  npi: number;
}

/** An E.164 number as an international address; a sender name as alphanumeric. */
export function smppAddress(value: string): SmsAddress {
  if (/^\+?\d+$/.test(value)) return { addr: value.replace(/^\+/, ''), ton: 0x01, npi: 0x01 };
  return { addr: value, ton: 0x05, npi: 0x00 };
}
