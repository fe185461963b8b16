import { smppAddress, submitParts } from './smpp-message.encoder';

describe(submitParts.name, () => {
  it('sends a short GSM-7 text as one part, one octet per septet, data_coding 0', () => {
    const [part, ...rest] = submitParts('Beacon: ACK 4821 {€}', 'udh', 7);

    expect(rest).toEqual([]);
    expect(part).toMatchObject({ data_coding: 0x00, esm_class: 0 });
    // '{', '€' and '}' are escapes: two septets each.
    expect(part?.short_message).toHaveLength('Beacon: ACK 4821 '.length + 6);
    expect(part?.short_message[0]).toBe(0x42);
  });

  it('sends 160 GSM-7 characters as one part and 161 as two of 153 + 8 behind a concatenation header', () => {
    expect(submitParts('a'.repeat(160), 'udh', 7)).toHaveLength(1);

    const parts = submitParts('a'.repeat(161), 'udh', 0x1a7);

    expect(parts.map((p) => p.short_message.length)).toEqual([6 + 153, 6 + 8]);
    expect(parts.map((p) => [...p.short_message.subarray(0, 6)])).toEqual([
      [0x05, 0x00, 0x03, 0xa7, 2, 1],
      [0x05, 0x00, 0x03, 0xa7, 2, 2],
    ]);
    expect(parts.every((p) => p.esm_class === 0x40)).toBe(true);
  });

  it('sends Cyrillic as UCS-2 big-endian: 70 characters in one part, 67 per part beyond', () => {
    expect(submitParts('Ж'.repeat(70), 'udh', 1)).toEqual([
      { short_message: Buffer.from('0416'.repeat(70), 'hex'), data_coding: 0x08, esm_class: 0 },
    ]);

    const parts = submitParts('Ж'.repeat(71), 'udh', 1);

    expect(parts.map((p) => p.short_message.length)).toEqual([6 + 134, 6 + 8]);
    expect(parts.every((p) => p.data_coding === 0x08)).toBe(true);
  });

  it('can use the sar_* TLVs instead of a header', () => {
    const parts = submitParts('Ж'.repeat(140), 'sar', 0x1234);

    expect(
      parts.map(({ sar_msg_ref_num, sar_total_segments, sar_segment_seqnum, esm_class }) => [
        sar_msg_ref_num,
        sar_total_segments,
        sar_segment_seqnum,
        esm_class,
      ]),
    ).toEqual([
      [0x1234, 3, 1, 0],
      [0x1234, 3, 2, 0],
      [0x1234, 3, 3, 0],
    ]);
    expect(parts.map((p) => p.short_message.length)).toEqual([134, 134, 12]);
  });
});

describe(smppAddress.name, () => {
  it('sends numbers as international (TON 1, NPI 1) without the plus', () => {
    expect(smppAddress('+77000000001')).toEqual({ addr: '77000000001', ton: 1, npi: 1 });
  });

  it('sends a sender name as alphanumeric (TON 5)', () => {
    expect(smppAddress('Beacon')).toEqual({ addr: 'Beacon', ton: 5, npi: 0 });
  });
});
