import { z } from 'zod';
import { CODES } from './codes';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export const isoInstant = () => z.iso.datetime();
export const uuid = () => z.uuid();
export const slug = () =>
  z
    .string()
    .max(48)
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'Expected a lowercase slug such as "almaty"');
/** Opaque identifiers of operators, users and recipients: never a name, e-mail or phone number. */
export const opaqueId = () =>
  z
    .string()
    .max(64)
    .regex(/^[A-Za-z][A-Za-z0-9_.:-]*$/, 'Expected an opaque identifier');
export const countryCode = () =>
  z.string().regex(/^[A-Z]{2}$/, 'Expected an ISO 3166-1 alpha-2 code');
export const personRef = () =>
  z
    .string()
    .max(64)
    .regex(
      /^p_[A-Za-z0-9_-]{16,}$/,
      'Expected a pseudonymous person reference such as "p_" + 16 url-safe characters',
    );
export const code = <K extends keyof typeof CODES>(list: K) => z.enum(CODES[list]);
export const codeSet = <K extends keyof typeof CODES>(list: K) =>
  z
    .array(z.enum(CODES[list]))
    .refine((values) => new Set(values).size === values.length, 'Codes must not repeat');

/**
 * Personal data travels only as AES-256-GCM ciphertext under a per-person key, so destroying
 * the key erases it from the immutable log too. 96-bit IV and 128-bit tag, base64url unpadded.
 */
export const encryptedValueSchema = z.strictObject({
  alg: z.literal('A256GCM'),
  kid: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'Expected a key id'),
  iv: z.string().length(16).regex(BASE64URL, 'Expected base64url'),
  ct: z.string().max(4096).regex(BASE64URL, 'Expected base64url'),
  tag: z.string().length(22).regex(BASE64URL, 'Expected base64url'),
});
export type EncryptedValue = z.output<typeof encryptedValueSchema>;

/** District level at most: a finer place could identify the person or the facility. */
export const placeSchema = z.strictObject({
  region: slug(),
  district: slug().optional(),
});
export type Place = z.output<typeof placeSchema>;

/** What every reported fact carries about how Beacon learned it. */
export const reportContextSchema = z.strictObject({
  personRef: personRef(),
  reportedAt: isoInstant(),
  sourceRole: code('sourceRole'),
  reliability: code('reliability'),
  channel: code('intakeChannel'),
  language: code('language'),
  recordedBy: opaqueId(),
  region: slug(),
  // Set when occurredat is approximate: the date is known, the hour only roughly.
  timeBand: code('timeBand').optional(),
});
export type ReportContext = z.output<typeof reportContextSchema>;

export const notesSchema = encryptedValueSchema.optional();
