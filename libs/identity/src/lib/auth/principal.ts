import { type Principal } from '@beacon/access-policy';

/** The caller of a request, from a verified access token. */
export interface UserPrincipal extends Principal {
  /** How they authenticated (RFC 8176 values: `pwd`, `otp`, `mfa`, …). */
  amr: readonly string[];
  /** The login session (refresh-token family) the token belongs to. */
  sessionId: string;
}
