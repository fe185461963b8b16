import { requiresSecondFactor } from '@beacon/access-policy';
import { Inject, Injectable } from '@nestjs/common';
import { type BaseClient, generators, Issuer } from 'openid-client';
import { AuthService, type LoginResult } from '../auth/auth.service';
import { IDENTITY_OPTIONS, type OidcOptions, type ResolvedIdentityOptions } from '../identity.options';
import { IdentityException } from '../identity.exception';
import { UsersRepository } from '../users/users.repository';
import { OidcLoginsRepository } from './oidc-logins.repository';

const PENDING_SECONDS = 600;

/**
 * OpenID Connect login (authorization code flow with PKCE and nonce) for organisations with
 * their own identity provider. The provider says who the person is; Beacon's own account
 * says what they may do, and roles that read identifying data need the provider to assert a
 * second factor in `amr`.
 */
@Injectable()
export class OidcService {
  private client: Promise<BaseClient> | null = null;

  constructor(
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    private readonly pending: OidcLoginsRepository,
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
  ) {}

  /** Where to send the browser to log in. */
  async start(): Promise<{ authorizationUrl: string }> {
    const oidc = this.config();
    const client = await this.getClient(oidc);
    const state = generators.state();
    const nonce = generators.nonce();
    const codeVerifier = generators.codeVerifier();
    await this.pending.save(state, codeVerifier, nonce, new Date(this.options.now().getTime() + PENDING_SECONDS * 1000));
    const authorizationUrl = client.authorizationUrl({
      scope: 'openid profile',
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      // Ask for the authentication methods in the ID token; the MFA check below depends on them.
      claims: { id_token: { amr: { essential: true } } },
    });
    return { authorizationUrl };
  }

  /** The provider redirected back with `code` and `state` (or an error). */
  async callback(query: Record<string, string | undefined>): Promise<LoginResult> {
    const oidc = this.config();
    const client = await this.getClient(oidc);
    const state = query['state'];
    const pending = state ? await this.pending.take(state, this.options.now()) : null;
    if (!state || !pending) throw new IdentityException('oidc-failed', 'The login is unknown, expired or was already completed; start again.');
    if (query['error']) throw new IdentityException('oidc-failed', 'The identity provider refused the login.');
    let claims: Record<string, unknown>;
    try {
      const params = client.callbackParams(`${oidc.redirectUri}?${new URLSearchParams(definedEntries(query)).toString()}`);
      const tokens = await client.callback(oidc.redirectUri, params, { state, nonce: pending.nonce, code_verifier: pending.codeVerifier });
      claims = tokens.claims();
      // Providers that keep ID tokens small put profile claims behind the userinfo endpoint.
      if (claims[oidc.usernameClaim] === undefined && tokens.access_token) {
        const info = (await client.userinfo(tokens)) as Record<string, unknown>;
        if (info['sub'] !== claims['sub']) throw new Error('userinfo is about someone else');
        claims = { ...info, ...claims };
      }
    } catch {
      throw new IdentityException('oidc-failed', 'The identity provider’s answer could not be verified.');
    }
    const username = claims[oidc.usernameClaim];
    const user = typeof username === 'string' ? await this.users.findByUsername(username.trim().toLowerCase()) : null;
    if (!user) throw new IdentityException('oidc-failed', 'No Beacon account matches this identity.');
    const amr = Array.isArray(claims['amr']) ? claims['amr'].map(String) : [];
    if (requiresSecondFactor(user.role) && !amr.some((v) => oidc.mfaAmrValues.includes(v))) {
      throw new IdentityException('mfa-required', 'second factor not asserted');
    }
    return this.auth.loginFederated(user, amr);
  }

  private config(): OidcOptions {
    if (!this.options.oidc) throw new IdentityException('oidc-not-configured', 'OIDC is not configured');
    return this.options.oidc;
  }

  private getClient(oidc: OidcOptions): Promise<BaseClient> {
    this.client ??= Issuer.discover(oidc.issuerUrl)
      .then(
        (issuer) =>
          new issuer.Client({
            client_id: oidc.clientId,
            client_secret: oidc.clientSecret,
            redirect_uris: [oidc.redirectUri],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          }),
      )
      .catch((error: unknown) => {
        // Try discovery again next time instead of caching the failure.
        this.client = null;
        throw error instanceof Error ? new IdentityException('oidc-failed', 'The identity provider cannot be reached.') : error;
      });
    return this.client;
  }
}

function definedEntries(query: Record<string, string | undefined>): [string, string][] {
  return Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string');
}
