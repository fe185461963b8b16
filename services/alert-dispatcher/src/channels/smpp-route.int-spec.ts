import { renderSms, segmentSms, type MessageFacts } from '@beacon/alerting-domain';
import { waitFor } from '@beacon/testing';
import { startSmppSimulator, type SmppSimulator } from '../testing/dispatcher.harness';
import { ChannelError } from './channel';
import { SmppChannel } from './sms/smpp.channel';
import { type SmsInbound } from './sms/sms-provider';

function recorder() {
  const receipts: [string, string, boolean][] = [];
  const replies: [string, string, string][] = [];
  const inbound: SmsInbound = {
    receipt: (provider, reference, delivered) => {
      receipts.push([provider, reference, delivered]);
      return Promise.resolve();
    },
    reply: (provider, from, text) => {
      replies.push([provider, from, text]);
      return Promise.resolve();
    },
  };
  return { inbound, receipts, replies };
}

const sms = (text: string) => ({ text, ...segmentSms(text) });

describe(SmppChannel.name, () => {
  let smsc: SmppSimulator;
  let sut: SmppChannel;
  let seen: ReturnType<typeof recorder>;

  beforeEach(async () => {
    smsc = await startSmppSimulator();
    seen = recorder();
    sut = new SmppChannel({
      url: smsc.url,
      sender: 'Beacon',
      concatenation: 'udh',
      timeoutMs: 3_000,
      inbound: seen.inbound,
    });
    sut.start();
    await waitFor(() => sut.isBound, { what: 'the bind' });
  });

  afterEach(async () => {
    await sut.close();
    await smsc.stop();
  });

  it('sends an English page as one GSM-7 part of at most 160 characters, to the international number', async () => {
    const facts: MessageFacts = {
      kind: 'alert',
      urgency: 'critical',
      eventCode: 'DET',
      caseRef: 'BCN-482113',
      ackCode: '4821',
      consoleUrl: 'https://console.beacon.example/cases/x',
    };
    await sut.send('+77000000001', renderSms(facts, 'en'), 'n-1');

    const message = await smsc.waitForMessage(() => true);
    expect(message).toMatchObject({
      to: '77000000001',
      from: 'Beacon',
      encoding: 'GSM7',
      parts: 1,
      text: 'Beacon: CRITICAL DET case BCN-482113. Reply ACK 4821',
    });
    expect(message.partOctets[0]).toBeLessThanOrEqual(160);
  });

  it('splits a long GSM-7 text into 153-septet parts with a concatenation header, escapes counted twice', async () => {
    const text = `${'Beacon escalation drill. '.repeat(8)}{€} Reply ACK 4821`;
    await sut.send('+77000000001', sms(text), 'n-2');

    const message = await smsc.waitForMessage(() => true);
    expect(message.encoding).toBe('GSM7');
    expect(message.concatenation).toBe('udh');
    expect(message.parts).toBe(2);
    expect(message.text).toBe(text);
    // 6 octets of header and 153 septets at most in each part.
    for (const octets of message.partOctets) expect(octets).toBeLessThanOrEqual(159);
  });

  it('sends Cyrillic as UCS-2, split into 67-character parts when longer than 70', async () => {
    const text = `Beacon: КРИТИЧНО DET дело BCN-482113. ${'Повторите, пожалуйста. '.repeat(3)}Ответ: ACK 4821`;
    await sut.send('+77000000001', sms(text), 'n-3');

    const message = await smsc.waitForMessage(() => true);
    expect(message.encoding).toBe('UCS2');
    expect(message.parts).toBe(Math.ceil(text.length / 67));
    expect(message.text).toBe(text);
    for (const octets of message.partOctets) expect(octets).toBeLessThanOrEqual(140);
  });

  it('can tie the parts together with sar_* TLVs instead', async () => {
    await sut.close();
    sut = new SmppChannel({
      url: smsc.url,
      sender: 'Beacon',
      concatenation: 'sar',
      timeoutMs: 3_000,
      inbound: seen.inbound,
    });
    sut.start();
    await waitFor(() => sut.isBound, { what: 'the bind' });
    const text = 'Ж'.repeat(150);
    await sut.send('+77000000001', sms(text), 'n-4');

    const message = await smsc.waitForMessage(() => true);
    expect(message).toMatchObject({ concatenation: 'sar', parts: 3, encoding: 'UCS2', text });
  });

  it('returns the SMSC message id and passes its delivery receipt on', async () => {
    const { providerMessageId } = await sut.send('+77000000001', sms('Beacon: test'), 'n-5');

    expect(providerMessageId).toMatch(/^sim\d+$/);
    await waitFor(() => seen.receipts.find(([, reference]) => reference === providerMessageId), {
      what: 'the receipt',
    });
    expect(seen.receipts).toContainEqual(['smpp', providerMessageId, true]);
  });

  it("passes a phone's reply on with its number in E.164", async () => {
    await smsc.reply({ from: '+77000000001', text: 'АСК 4821' });

    await waitFor(() => seen.replies.length > 0, { what: 'the reply' });
    expect(seen.replies).toEqual([['smpp', '+77000000001', 'АСК 4821']]);
  });

  it('refuses to send without a bind, so the next provider can take the message', async () => {
    await smsc.stop();
    await waitFor(() => !sut.isBound, { what: 'the bind to drop' });

    await expect(sut.send('+77000000001', sms('Beacon: test'), 'n-6')).rejects.toThrow(
      ChannelError,
    );
    smsc = await startSmppSimulator();
  });

  it('binds again after the SMSC comes back', async () => {
    const port = smsc.port;
    await smsc.stop();
    await waitFor(() => !sut.isBound, { what: 'the bind to drop' });
    smsc = await startSmppSimulator({ port });

    await waitFor(() => sut.isBound, { timeoutMs: 15_000, what: 'the bind to come back' });
    await sut.send('+77000000001', sms('Beacon: back'), 'n-7');
    expect((await smsc.waitForMessage(() => true)).text).toBe('Beacon: back');
  });
});
