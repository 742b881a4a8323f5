/**
 * A small OpenID Connect provider over real HTTP for tests: discovery, JWKS (an RS256 key made
 * with node:crypto), the authorization endpoint (code flow, PKCE S256 required) and the token
 * endpoint (client_secret_basic or client_secret_post). Whoever `signIn` names is the person who
 * "logs in" at the provider; `forge` makes it misbehave (another signing key, another audience,
 * an expired token, another nonce) so tests can see the client refuse.
 */
import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface OidcPerson {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The person the next authorization logs in as. */
  signIn: OidcPerson;
  /** Misbehave on the next tokens: sign with another key, wrong audience, expired, wrong nonce. */
  forge: { otherKey?: boolean; audience?: string; expired?: boolean; nonce?: string };
  /** Requests the provider answered, `METHOD path` (tests read which endpoints were used). */
  log: string[];
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function sign(payload: object, key: KeyObject, kid: string): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(payload));
  const s = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${b64url(s)}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOidcProvider(opts: { clientId?: string; clientSecret?: string } = {}): Promise<TestOidcProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(6).toString('hex');
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; nonce: string | null; person: OidcPerson }>();
  const p: TestOidcProvider = {
    issuer: '',
    clientId: opts.clientId ?? 'tenure-test',
    clientSecret: opts.clientSecret ?? randomBytes(16).toString('hex'),
    signIn: { sub: 'person-1', email: 'person@example.com', email_verified: true },
    forge: {},
    log: [],
    close: async () => undefined,
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', p.issuer);
      p.log.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
        return json(res, 200, {
          issuer: p.issuer,
          authorization_endpoint: `${p.issuer}/authorize`,
          token_endpoint: `${p.issuer}/token`,
          jwks_uri: `${p.issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['openid', 'email', 'profile'],
        });
      }
      if (req.method === 'GET' && url.pathname === '/jwks') {
        return json(res, 200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
      }
      if (req.method === 'GET' && url.pathname === '/authorize') {
        const q = url.searchParams;
        const redirectUri = q.get('redirect_uri') ?? '';
        if (q.get('client_id') !== p.clientId) return json(res, 400, { error: 'invalid_client' });
        if (q.get('response_type') !== 'code') return json(res, 400, { error: 'unsupported_response_type' });
        if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request', error_description: 'PKCE S256 required' });
        if (!(q.get('scope') ?? '').split(' ').includes('openid')) return json(res, 400, { error: 'invalid_scope' });
        const code = randomBytes(16).toString('base64url');
        codes.set(code, { clientId: p.clientId, redirectUri, challenge: q.get('code_challenge')!, nonce: q.get('nonce'), person: { ...p.signIn } });
        const to = new URL(redirectUri);
        to.searchParams.set('code', code);
        if (q.get('state')) to.searchParams.set('state', q.get('state')!);
        to.searchParams.set('iss', p.issuer);
        res.writeHead(302, { location: to.toString() });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(await readBody(req));
        let id = form.get('client_id');
        let secret = form.get('client_secret');
        const auth = req.headers.authorization;
        if (auth?.startsWith('Basic ')) {
          const [u, s] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
          id = decodeURIComponent(u ?? '');
          secret = decodeURIComponent(s ?? '');
        }
        if (id !== p.clientId || secret !== p.clientSecret) return json(res, 401, { error: 'invalid_client' });
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('grant_type') !== 'authorization_code' || !grant) return json(res, 400, { error: 'invalid_grant' });
        if (grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        const now = Math.floor(Date.now() / 1000);
        const f = p.forge;
        const claims = {
          iss: p.issuer,
          sub: grant.person.sub,
          aud: f.audience ?? p.clientId,
          iat: f.expired ? now - 7200 : now,
          exp: f.expired ? now - 3600 : now + 300,
          ...(grant.nonce || f.nonce ? { nonce: f.nonce ?? grant.nonce } : {}),
          ...(grant.person.email !== undefined ? { email: grant.person.email } : {}),
          ...(grant.person.email_verified !== undefined ? { email_verified: grant.person.email_verified } : {}),
          ...(grant.person.name !== undefined ? { name: grant.person.name } : {}),
        };
        const idToken = sign(claims, f.otherKey ? other.privateKey : privateKey, kid);
        return json(res, 200, { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
      }
      json(res, 404, { error: 'not_found' });
    })().catch((err: Error) => json(res, 500, { error: 'server_error', error_description: err.message }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  p.issuer = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  p.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return p;
}
