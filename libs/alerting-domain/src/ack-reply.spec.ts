import { parseAckReply } from './ack-reply';

describe(parseAckReply.name, () => {
  it.each([
    ['ACK 4821', '4821'],
    ['ack 4821', '4821'],
    ['Ack4821', '4821'],
    [' ACK: 482113. ', '482113'],
    ['АСК 4821', '4821'], // Cyrillic А, С, К
    ['ACK #4821!', '4821'],
    ['4821', '4821'],
  ])('reads %p as %p', (reply, code) => {
    expect(parseAckReply(reply)).toBe(code);
  });

  it.each(['ACK', 'ACK 48', 'ACK 4821 he was moved to the airport', 'call me', 'ACK 1234567', ''])(
    'leaves %p to a person',
    (reply) => {
      expect(parseAckReply(reply)).toBeNull();
    },
  );
});
