import { segmentSms } from '@beacon/alerting-domain';
import { verifyCallbackSignature } from './callback-signature';
import { KannelChannel } from './kannel.channel';

const notificationId = '3c5e7a9b-1d2f-4a4c-8e6a-0b2d4f6a8c0e';
const sms = (text: string) => ({ text, ...segmentSms(text) });

describe(KannelChannel.name, () => {
  const sut = new KannelChannel({
    sendsmsUrl: 'http://beacon:s%40cret@kannel:13013/cgi-bin/sendsms',
    sender: 'Beacon',
    timeoutMs: 1_000,
    callback: { baseUrl: 'http://dispatcher:3200', secret: 'kannel-inbound-secret' },
  });

  it("speaks sendsms: the sendsms-user's credentials, sender, number and UTF-8 text", () => {
    const url = sut.requestUrl(
      '+77000000001',
      sms('Beacon: CRITICAL DET case BCN-482113. Reply ACK 4821'),
      notificationId,
    );

    expect(`${url.origin}${url.pathname}`).toBe('http://kannel:13013/cgi-bin/sendsms');
    expect(url.username).toBe('');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      username: 'beacon',
      password: 's@cret',
      from: 'Beacon',
      to: '+77000000001',
      text: 'Beacon: CRITICAL DET case BCN-482113. Reply ACK 4821',
      charset: 'UTF-8',
      coding: '0',
    });
  });

  it('asks Kannel for UCS-2 when the text needs it', () => {
    expect(
      sut
        .requestUrl('+77000000001', sms('Beacon: КРИТИЧНО'), notificationId)
        .searchParams.get('coding'),
    ).toBe('2');
  });

  it('asks for delivery reports at a signed URL with the notification id only, %d left for Kannel', () => {
    const url = sut.requestUrl('+77000000001', sms('Beacon: test'), notificationId);
    const dlr = new URL(url.searchParams.get('dlr-url')!.replace('%d', '1'));

    expect(url.searchParams.get('dlr-mask')).toBe('19');
    expect(url.searchParams.get('dlr-url')).toMatch(/&type=%d$/);
    expect(`${dlr.origin}${dlr.pathname}`).toBe('http://dispatcher:3200/v1/sms/kannel/dlr');
    expect(dlr.searchParams.get('n')).toBe(notificationId);
    expect(
      verifyCallbackSignature(
        'kannel-inbound-secret',
        'dlr',
        notificationId,
        dlr.searchParams.get('s')!,
      ),
    ).toBe(true);
    expect(url.searchParams.get('dlr-url')).not.toContain('77000000001');
  });
});
