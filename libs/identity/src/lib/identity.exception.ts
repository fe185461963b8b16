import { ProblemException } from '@beacon/http';

export type IdentityErrorCode =
  | 'unauthenticated'
  | 'invalid-credentials'
  | 'login-locked'
  | 'invalid-totp'
  | 'totp-not-enrolled'
  | 'invalid-challenge'
  | 'invalid-refresh-token'
  | 'refresh-token-reused'
  | 'forbidden'
  | 'mfa-required'
  | 'oidc-failed'
  | 'oidc-not-configured'
  | 'user-exists'
  | 'user-not-found'
  | 'weak-password';

export class IdentityException extends Error {
  override readonly name = 'IdentityException';
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const BEARER = 'Bearer realm="beacon"';

/** The HTTP answer to each identity error: problem+json, never a stack or a hint of which part was wrong. */
export function identityProblem(error: IdentityException): ProblemException {
  switch (error.code) {
    case 'unauthenticated':
      return new ProblemException(401, 'unauthenticated', 'Authentication required', error.message, {}, { 'www-authenticate': BEARER });
    case 'invalid-credentials':
      return new ProblemException(401, 'invalid-credentials', 'Invalid credentials', 'The username or password is wrong.');
    case 'login-locked':
      return new ProblemException(429, 'login-locked', 'Too many failed logins', error.message, {}, { 'retry-after': String(error.retryAfterSeconds ?? 900) });
    case 'invalid-totp':
      return new ProblemException(401, 'invalid-totp', 'Invalid second factor', 'The one-time code is wrong, expired or already used.');
    case 'totp-not-enrolled':
      return new ProblemException(403, 'totp-not-enrolled', 'Second factor not set up', 'This role needs a second factor; ask an administrator to enrol one.');
    case 'invalid-challenge':
      return new ProblemException(401, 'invalid-challenge', 'Login challenge invalid', 'The login challenge is unknown or expired; log in again.');
    case 'invalid-refresh-token':
      return new ProblemException(401, 'invalid-refresh-token', 'Session ended', 'The refresh token is unknown, expired or revoked; log in again.');
    case 'refresh-token-reused':
      return new ProblemException(401, 'refresh-token-reused', 'Session revoked', 'A refresh token was used twice; the whole session has been revoked.');
    case 'forbidden':
      return new ProblemException(403, 'forbidden', 'Not allowed', error.message);
    case 'mfa-required':
      return new ProblemException(403, 'mfa-required', 'Second factor required', 'The identity provider did not assert a second factor, which this role needs.');
    case 'oidc-failed':
      return new ProblemException(401, 'oidc-failed', 'Single sign-on failed', error.message);
    case 'oidc-not-configured':
      return new ProblemException(404, 'oidc-not-configured', 'Single sign-on is not configured');
    case 'user-exists':
      return new ProblemException(409, 'user-exists', 'User exists', error.message);
    case 'user-not-found':
      return new ProblemException(404, 'user-not-found', 'No such user', error.message);
    case 'weak-password':
      return new ProblemException(400, 'weak-password', 'Password too weak', error.message);
  }
}
