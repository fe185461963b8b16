import { PDU } from 'smpp';
import { parseReceipt } from './smpp.channel';

const receipt = (fields: Record<string, unknown>) =>
  new PDU('deliver_sm', { esm_class: 0x04, ...fields });

describe(parseReceipt.name, () => {
  it('reads the receipted message id and state from the TLVs', () => {
    expect(parseReceipt(receipt({ receipted_message_id: 'abc123', message_state: 2 }))).toEqual({
      reference: 'abc123',
      delivered: true,
    });
    expect(parseReceipt(receipt({ receipted_message_id: 'abc123', message_state: 5 }))).toEqual({
      reference: 'abc123',
      delivered: false,
    });
  });

  it('falls back to the id: and stat: fields of the receipt text', () => {
    const text =
      'id:7f3a sub:001 dlvrd:001 submit date:2503060014 done date:2503060014 stat:DELIVRD err:000 text:';

    expect(parseReceipt(receipt({ short_message: { message: text } }))).toEqual({
      reference: '7f3a',
      delivered: true,
    });
    expect(
      parseReceipt(receipt({ short_message: { message: text.replace('DELIVRD', 'UNDELIV') } })),
    ).toEqual({ reference: '7f3a', delivered: false });
  });

  it('leaves an intermediate state undecided, and a receipt without an id unread', () => {
    expect(parseReceipt(receipt({ receipted_message_id: 'abc123', message_state: 1 }))).toEqual({
      reference: 'abc123',
      delivered: null,
    });
    expect(parseReceipt(receipt({ short_message: { message: 'stat:DELIVRD' } }))).toBeNull();
  });
});
