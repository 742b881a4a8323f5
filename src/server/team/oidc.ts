/**
 * Sign-in through an OpenID Connect provider (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET),
 * with the maintained `openid-client`: authorization code flow with PKCE (S256), state and
 * nonce kept in oidc_states for ten minutes, the ID token's signature checked against the
 * provider's JWKS (non-repudiation checks on) as well as its iss, aud, exp and nonce.
 *
 * Who gets in: the user linked to the (issuer, subject) pair; else the user whose email the
 * provider says is verified (the identity is linked then); else someone with an open
 * invitation for that verified email (the account is made, the invitations accepted). Anyone
 * else is refused: Tenure does not let strangers register themselves.
 */
import * as client from 'openid-client';
import type { Db } from '../db/client.js';
import type { Logger } from '../log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { addMembership, createUser, findUser, findUserByEmail } from './users.repo.js';

export const OIDC_STATE_TTL_MS = 10 * 60_000;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the sign-in button ("Sign in with …"). */
  name: string;
  /** This server's callback: `${publicUrl}/api/auth/oidc/callback`, registered at the provider. */
  redirectUri: string;
}

type OidcFailure = { code: 'forbidden' | 'unauthorized' | 'unavailable'; message: string };

export class OidcSignIn {
  private config: Promise<client.Configuration> | null = null;

  constructor(
    readonly settings: OidcSettings,
    private readonly log?: Logger,
  ) {}

  /** The provider's configuration, discovered once (again after a failure). */
  private discover(): Promise<client.Configuration> {
    this.config ??= (async () => {
      const url = new URL(this.settings.issuer);
      const execute = [client.enableNonRepudiationChecks];
      // Plain HTTP only to a provider on this machine (development, tests).
      if (url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname)) execute.push(client.allowInsecureRequests);
      return client.discovery(url, this.settings.clientId, this.settings.clientSecret, undefined, { execute });
    })().catch((err: unknown) => {
      this.config = null;
      throw err;
    });
    return this.config;
  }

  /** Where to send the browser: the provider's authorization URL, with a fresh state, nonce and PKCE challenge stored. */
  async start(db: Db, now: Date, returnTo: string | null): Promise<Result<URL, OidcFailure>> {
    let config: client.Configuration;
    try {
      config = await this.discover();
    } catch (err) {
      this.log?.warn({ err, issuer: this.settings.issuer }, 'OIDC discovery failed');
      return fail('unavailable', `the sign-in provider (${this.settings.issuer}) cannot be reached right now; try again in a moment`);
    }
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await db.query(`DELETE FROM oidc_states WHERE created_at < $1`, [new Date(now.getTime() - OIDC_STATE_TTL_MS)]);
    await db.query(`INSERT INTO oidc_states (state, nonce, verifier, return_to, created_at) VALUES ($1, $2, $3, $4, $5)`, [state, nonce, verifier, returnTo, now]);
    return ok(
      client.buildAuthorizationUrl(config, {
        redirect_uri: this.settings.redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }),
    );
  }

  /**
   * The provider sent the browser back (`query` is the callback's query string): exchange the
   * code, verify the ID token, and find (or link, or make from an invitation) the user.
   */
  async finish(db: Db, query: string, now: Date): Promise<Result<{ userId: number; returnTo: string | null }, OidcFailure>> {
    const params = new URLSearchParams(query);
    if (params.get('error')) return fail('unauthorized', `the sign-in provider refused: ${params.get('error_description') ?? params.get('error')}`);
    const state = params.get('state') ?? '';
    const { rows } = await db.query<{ nonce: string; verifier: string; returnTo: string | null; createdAt: Date }>(
      `DELETE FROM oidc_states WHERE state = $1 RETURNING nonce, verifier, return_to AS "returnTo", created_at AS "createdAt"`,
      [state],
    );
    const st = rows[0];
    if (!st || st.createdAt.getTime() < now.getTime() - OIDC_STATE_TTL_MS) return fail('unauthorized', 'this sign-in took too long or was already used; start again');
    let claims: client.IDToken;
    try {
      const config = await this.discover();
      const tokens = await client.authorizationCodeGrant(
        config,
        new URL(`${this.settings.redirectUri}?${params.toString()}`),
        { pkceCodeVerifier: st.verifier, expectedState: state, expectedNonce: st.nonce, idTokenExpected: true },
        { redirect_uri: this.settings.redirectUri },
      );
      const c = tokens.claims();
      if (!c) return fail('unauthorized', 'the sign-in provider sent no ID token');
      claims = c;
    } catch (err) {
      this.log?.warn({ err: err instanceof Error ? err.message : String(err), issuer: this.settings.issuer }, 'OIDC sign-in refused');
      return fail('unauthorized', `the sign-in could not be verified (${err instanceof Error ? err.message : String(err)})`);
    }
    const r = await userFor(db, {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : null,
      verified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
      now,
    });
    return r.ok ? ok({ userId: r.value, returnTo: st.returnTo }) : r;
  }
}

/** The user for a verified identity: linked, found by verified email (and linked), or made from open invitations; else refused. */
export async function userFor(db: Db, id: { issuer: string; subject: string; email: string | null; verified: boolean; name: string | null; now: Date }): Promise<Result<number, OidcFailure>> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ userId: number }>(`SELECT user_id AS "userId" FROM oidc_identities WHERE issuer = $1 AND subject = $2`, [id.issuer, id.subject]);
    let userId = rows[0]?.userId ?? null;
    if (userId === null) {
      if (!id.email || !id.verified) return fail('forbidden', 'your sign-in provider did not confirm your email address, so Tenure cannot match it to an account; ask an admin');
      const email = id.email.trim().toLowerCase();
      const user = await findUserByEmail(tx, email);
      if (user) userId = user.id;
      else {
        const { rows: inv } = await tx.query<{ id: number; workspaceId: number; role: 'owner' | 'admin' | 'marketer' | 'analyst' | 'support' }>(
          `SELECT id, workspace_id AS "workspaceId", role FROM invitations WHERE email = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 FOR UPDATE`,
          [email, id.now],
        );
        if (inv.length === 0) return fail('forbidden', `there is no Tenure account for ${email}; ask an admin of your workspace for an invitation`);
        const created = await createUser(tx, { email, name: id.name ?? email.split('@')[0]! });
        userId = created.id;
        for (const i of inv) {
          await addMembership(tx, i.workspaceId, created.id, i.role);
          await tx.query(`UPDATE invitations SET accepted_at = $2 WHERE id = $1`, [i.id, id.now]);
        }
      }
      await tx.query(`INSERT INTO oidc_identities (issuer, subject, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [id.issuer, id.subject, userId]);
    }
    const user = await findUser(tx, userId);
    if (!user || user.disabledAt) return fail('forbidden', 'this account is disabled');
    return ok(userId);
  });
}
