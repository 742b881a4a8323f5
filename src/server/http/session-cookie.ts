import type { FastifyReply, FastifyRequest } from 'fastify';

/** The session cookie: HTTP-only (scripts cannot read it), SameSite=Lax, Secure over HTTPS. */
export const SESSION_COOKIE = 'tenure_session';

/** One cookie's value from the request's Cookie header, or undefined. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function attributes(req: FastifyRequest): string {
  return `Path=/; HttpOnly; SameSite=Lax${req.protocol === 'https' ? '; Secure' : ''}`;
}

export function setSessionCookie(reply: FastifyReply, req: FastifyRequest, token: string, expiresAt: Date): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=${encodeURIComponent(token)}; ${attributes(req)}; Expires=${expiresAt.toUTCString()}`);
  reply.header('cache-control', 'no-store');
}

export function clearSessionCookie(reply: FastifyReply, req: FastifyRequest): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; ${attributes(req)}; Max-Age=0`);
}
