import { z } from 'zod';
import { CASE_REF_PATTERN } from './case-ref';
import { ALL_EVENT_CODES, type EventCode } from './event-codes';
import { URGENCIES, type Urgency } from './types';

export type MessageKind = 'alert' | 'incident-update' | 'escalation' | 'stand-down' | 'follow-up';
export const MESSAGE_KINDS: readonly MessageKind[] = [
  'alert',
  'incident-update',
  'escalation',
  'stand-down',
  'follow-up',
];

/**
 * Everything a message may say (DOMAIN.md: a pointer, never the case). Templates see only
 * what `messageFactsSchema` lets through: unknown keys are dropped, and each value must
 * have a shape no name, registration number, phone number or free text can take.
 */
export interface MessageFacts {
  urgency: Urgency;
  eventCode: EventCode;
  /** From caseRefOf(caseId): 'BCN-' and six digits. */
  caseRef: string;
  /** Four to six digits, the code an SMS reply quotes ('ACK 4821'). */
  ackCode: string;
  /** Signed acknowledgement link; e-mail only (an SMS acknowledges by reply). */
  ackUrl?: string;
  /** Link to the case in the console, behind login; e-mail only. */
  consoleUrl: string;
  /** Cases linked to the incident so far; required for 'incident-update'. */
  casesInIncident?: number;
  kind: MessageKind;
}

export const ACK_CODE_PATTERN = /^\d{4,6}$/;

// Links are built by the services from ids and signed tokens. Percent-encoding, '@' and
// non-ASCII are refused because they are how a name or a number would hide in one.
const LINK_CHARS = /^[A-Za-z0-9\-._~/?=&:]*$/;

function isPointerLink(value: string): boolean {
  if (value.length > 300) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.hash === '' &&
    LINK_CHARS.test(value)
  );
}

const linkSchema = z
  .string()
  .refine(isPointerLink, 'must be an http(s) link of ids and tokens only');

export const messageFactsSchema = z
  .object({
    urgency: z.enum(URGENCIES),
    eventCode: z.enum(ALL_EVENT_CODES),
    caseRef: z.string().regex(CASE_REF_PATTERN, "must come from caseRefOf(), e.g. 'BCN-482113'"),
    ackCode: z.string().regex(ACK_CODE_PATTERN, 'must be 4 to 6 digits'),
    ackUrl: linkSchema.optional(),
    consoleUrl: linkSchema,
    casesInIncident: z.number().int().min(1).max(9_999).optional(),
    kind: z.enum(MESSAGE_KINDS),
  })
  .refine((facts) => facts.kind !== 'incident-update' || facts.casesInIncident !== undefined, {
    message: 'an incident update needs casesInIncident',
    path: ['casesInIncident'],
  });

export class MessageFactsError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`message facts rejected: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'MessageFactsError';
  }
}

/** A fresh object holding only the facts, checked; throws MessageFactsError otherwise. */
export function checkedFacts(input: MessageFacts): Readonly<MessageFacts> {
  const result = messageFactsSchema.safeParse(input);
  if (!result.success) {
    throw new MessageFactsError(
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return Object.freeze(result.data);
}
