import {
  httpUrl,
  kafkaBrokers,
  loadConfig,
  logLevel,
  port,
  postgresUrl,
  prefixDefaultGroups,
  tableUpkeepInterval,
  smtpUrl,
  topicPrefix,
} from '@beacon/config';
import { metricsToken } from '@beacon/observability';
import { z } from 'zod';

const secret = (minimum: number) =>
  z
    .string()
    .min(minimum, `must be at least ${minimum} characters (e.g. \`openssl rand -base64 32\`)`)
    .optional();

const smppUrl = z.string().refine(
  (v) => {
    if (!URL.canParse(v)) return false;
    const url = new URL(v);
    return (url.protocol === 'smpp:' || url.protocol === 'ssmpp:') && url.username !== '';
  },
  { message: 'must be smpp://system_id:password@host:port (ssmpp:// for TLS)' },
);

const kannelUrl = z.string().refine(
  (v) => {
    if (!URL.canParse(v)) return false;
    const url = new URL(v);
    return /^https?:$/.test(url.protocol) && url.username !== '';
  },
  { message: 'must be http://user:password@host:port/cgi-bin/sendsms (a Kannel sendsms-user)' },
);

const providers = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(['smpp', 'kannel'])).min(1, 'name at least one of smpp, kannel'));

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const dispatcherEnvSchema = z.object({
  PORT: port(3200),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: kafkaBrokers,
  KAFKA_TOPIC_PREFIX: topicPrefix,
  CONSUMER_GROUP: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/)
    .default('alert-dispatcher'),
  /**
   * Consumers of the case topic in this process, in one group: partitions are decided in
   * parallel (each still in order). More than the topic has partitions sit idle.
   */
  DECISION_CONSUMERS: z.coerce.number().int().min(1).max(32).default(3),
  ROUTING_CONFIG_PATH: z.string().min(1).default('deploy/routing/routing.yaml'),
  /** Re-read the routing file when it changes on disk (besides SIGHUP and `beacon routing reload`). */
  ROUTING_WATCH: flag.default(true),
  SMTP_URL: smtpUrl,
  MAIL_FROM: z.email().default('alerts@beacon.example'),
  /**
   * SMTP connections kept open for pages; a burst is sent over them in parallel. Each message
   * is several round trips, so on a busy host a connection carries fewer messages a second
   * than its CPU cost would allow: more connections keep a burst from queueing.
   */
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(16),
  /** Where officers open a case; links in messages point here and require login. */
  PUBLIC_CONSOLE_URL: httpUrl.default('http://localhost:3000'),
  /** Where this service is reached from a phone or a mail client: acknowledgement links. */
  PUBLIC_DISPATCHER_URL: httpUrl.default('http://localhost:3200'),
  /** Signs acknowledgement links; without it e-mails carry none (SMS reply and console still work). */
  ACK_LINK_SECRET: secret(32),
  ACK_LINK_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(24 * 60),
  /** The bearer token ops-console presents to acknowledge on an officer's behalf. */
  CONSOLE_SERVICE_TOKEN: secret(32),
  /** SMS over SMPP 3.4, straight to an SMSC or an aggregator. */
  SMPP_URL: smppUrl.optional(),
  /** Concatenation of long SMS over SMPP: a user-data header, or the sar_* TLVs. */
  SMPP_CONCATENATION: z.enum(['udh', 'sar']).default('udh'),
  /** SMS through Kannel's HTTP sendsms interface (a sendsms-user's credentials in the URL). */
  KANNEL_SENDSMS_URL: kannelUrl.optional(),
  /** Base URL Kannel uses to reach this service with delivery reports. */
  KANNEL_CALLBACK_URL: httpUrl.optional(),
  /** Password Kannel presents (HTTP basic, user "kannel") when it forwards SMS replies. */
  KANNEL_INBOUND_SECRET: secret(16),
  /** Order in which SMS providers are tried; defaults to those configured, SMPP first. */
  SMS_PROVIDERS: providers.optional(),
  /** Sender id of outgoing SMS (alphanumeric, up to 11 characters, or a number). */
  SMS_SENDER: z
    .string()
    .regex(/^([A-Za-z0-9 ]{1,11}|\+?\d{3,15})$/, 'must be up to 11 letters/digits, or a number')
    .default('Beacon'),
  /** Enables the signed webhook channel (HMAC-SHA256 over timestamp and body). */
  WEBHOOK_SIGNING_SECRET: secret(32),
  /** Further cases of an incident within this window join one update instead of paging. */
  INCIDENT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  DELIVERY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  /** Escalation timers and held incident updates are checked this often. */
  TIMERS_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  DELIVERY_RETRY_BASE_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  SEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /**
   * The security desk: who is e-mailed when the audit log raises a bulk-read alert
   * (comma-separated addresses). Unset: alerts are shown to admins in the console only.
   */
  SECURITY_ALERT_EMAILS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((a) => z.email().safeParse(a).success), {
      message: 'must be comma-separated e-mail addresses',
    }),
  /** How often the audit log's alerts are checked. */
  AUDIT_ALERT_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  TABLE_UPKEEP_INTERVAL_MS: tableUpkeepInterval,
  LOG_LEVEL: logLevel,
  /** Bearer token Prometheus sends to /metrics; unset, /metrics is open (see docs/operations.md). */
  METRICS_TOKEN: metricsToken,
});

export type DispatcherConfig = Readonly<z.infer<typeof dispatcherEnvSchema>>;
export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return prefixDefaultGroups(loadConfig('alert-dispatcher', dispatcherEnvSchema, env), env, [
    'CONSUMER_GROUP',
  ]);
}

export type SmsProvider = 'smpp' | 'kannel';

/** The SMS providers to try, in order; empty when SMS is not configured. */
export function smsProvidersOf(config: DispatcherConfig): SmsProvider[] {
  const configured = (provider: SmsProvider) =>
    provider === 'smpp' ? config.SMPP_URL !== undefined : config.KANNEL_SENDSMS_URL !== undefined;
  return (config.SMS_PROVIDERS ?? ['smpp', 'kannel']).filter(configured);
}
