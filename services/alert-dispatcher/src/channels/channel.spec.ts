import { createHmac } from 'node:crypto';
import { ChannelError, describeFailure } from './channel';
import { webhookSignature } from './webhook.channel';

describe(describeFailure.name, () => {
  it('keeps our own channel errors as they are', () => {
    expect(
      describeFailure(new ChannelError('SMPP_STATUS_8', 'SMSC refused the message (status 8)')),
    ).toEqual({
      code: 'SMPP_STATUS_8',
      message: 'SMSC refused the message (status 8)',
    });
  });

  it('scrubs addresses and numbers a provider echoes back', () => {
    const error = Object.assign(
      new Error(
        '550 5.1.1 <po-almaty-1@beacon.example>: mailbox unavailable, call +7 700 000 00 01',
      ),
      { code: 'EENVELOPE' },
    );

    expect(describeFailure(error)).toEqual({
      code: 'EENVELOPE',
      message: '550 5.1.1 <<address>>: mailbox unavailable, call <number>',
    });
  });
});

describe(webhookSignature.name, () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, as a receiver recomputes it', () => {
    const mac = createHmac('sha256', 'secret').update('1741220040.{"a":1}').digest('hex');

    expect(webhookSignature('secret', 1741220040, '{"a":1}')).toBe(`t=1741220040,v1=${mac}`);
  });
});
