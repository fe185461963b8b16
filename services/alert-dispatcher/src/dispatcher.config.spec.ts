import { composeEnvironment } from '@beacon/testing';
import { loadDispatcherConfig, smsProvidersOf } from './dispatcher.config';

const minimal = {
  DATABASE_URL: 'postgres://db/beacon',
  KAFKA_BROKERS: 'k:9092',
  SMTP_URL: 'smtp://mail:25',
};

describe(loadDispatcherConfig.name, () => {
  it('accepts the environment docker-compose.yml gives the service', () => {
    const sut = loadDispatcherConfig(
      composeEnvironment('alert-dispatcher', {
        ACK_LINK_SECRET: 'a'.repeat(43),
        CONSOLE_SERVICE_TOKEN: 'c'.repeat(43),
      }),
    );
    expect(sut).toMatchObject({
      PORT: 3200,
      SMTP_URL: 'smtp://mailpit:1025',
      ROUTING_CONFIG_PATH: 'deploy/routing/routing.yaml',
    });
  });

  it('names a malformed SMTP URL', () => {
    expect(() => loadDispatcherConfig({ ...minimal, SMTP_URL: 'mailpit:1025' })).toThrow(
      /SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/,
    );
  });

  it('defaults to DOMAIN.md: a 60 s incident window, files watched, no SMS, no webhook, no ack links', () => {
    const sut = loadDispatcherConfig(minimal);

    expect(sut).toMatchObject({
      INCIDENT_WINDOW_MS: 60_000,
      ROUTING_WATCH: true,
      ACK_LINK_TTL_MINUTES: 1440,
    });
    expect(smsProvidersOf(sut)).toEqual([]);
    expect(sut.WEBHOOK_SIGNING_SECRET).toBeUndefined();
    expect(sut.ACK_LINK_SECRET).toBeUndefined();
  });

  it('tries SMPP before Kannel unless SMS_PROVIDERS says otherwise, and only what is configured', () => {
    const both = {
      ...minimal,
      SMPP_URL: 'smpp://beacon:pw@smsc:2775',
      KANNEL_SENDSMS_URL: 'http://beacon:pw@kannel:13013/cgi-bin/sendsms',
    };

    expect(smsProvidersOf(loadDispatcherConfig(both))).toEqual(['smpp', 'kannel']);
    expect(smsProvidersOf(loadDispatcherConfig({ ...both, SMS_PROVIDERS: 'kannel,smpp' }))).toEqual(
      ['kannel', 'smpp'],
    );
    expect(
      smsProvidersOf(
        loadDispatcherConfig({ ...minimal, KANNEL_SENDSMS_URL: both.KANNEL_SENDSMS_URL }),
      ),
    ).toEqual(['kannel']);
  });

  it.each([
    ['SMPP_URL', 'http://smsc:2775', /SMPP_URL: must be smpp:\/\/system_id:password@host:port/],
    ['SMPP_URL', 'smpp://smsc:2775', /SMPP_URL: must be smpp:\/\/system_id/],
    [
      'KANNEL_SENDSMS_URL',
      'http://kannel:13013/cgi-bin/sendsms',
      /KANNEL_SENDSMS_URL: must be http:\/\/user:password@/,
    ],
    ['SMS_PROVIDERS', 'smpp,carrier-pigeon', /SMS_PROVIDERS/],
    ['ACK_LINK_SECRET', 'short', /ACK_LINK_SECRET: must be at least 32 characters/],
    ['WEBHOOK_SIGNING_SECRET', 'short', /WEBHOOK_SIGNING_SECRET: must be at least 32 characters/],
    ['CONSOLE_SERVICE_TOKEN', 'short', /CONSOLE_SERVICE_TOKEN: must be at least 32 characters/],
    ['SMS_SENDER', 'Beacon Alerts Almaty', /SMS_SENDER: must be up to 11/],
    ['ROUTING_WATCH', 'maybe', /ROUTING_WATCH/],
  ])('names a bad %s', (variable, value, message) => {
    expect(() => loadDispatcherConfig({ ...minimal, [variable]: value })).toThrow(message);
  });

  it('e-mails bulk-read alerts only to the addresses SECURITY_ALERT_EMAILS names, and checks them', () => {
    expect(loadDispatcherConfig(minimal).SECURITY_ALERT_EMAILS).toEqual([]);
    expect(
      loadDispatcherConfig({
        ...minimal,
        SECURITY_ALERT_EMAILS: 'security@ngo.example, dpo@ngo.example',
      }).SECURITY_ALERT_EMAILS,
    ).toEqual(['security@ngo.example', 'dpo@ngo.example']);
    expect(() =>
      loadDispatcherConfig({ ...minimal, SECURITY_ALERT_EMAILS: 'security desk' }),
    ).toThrow(/SECURITY_ALERT_EMAILS: must be comma-separated e-mail addresses/);
  });
});
