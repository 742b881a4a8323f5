import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the recorder saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 that keeps every request (method, path, headers, whole
 * body) and answers with whatever the test put in `respond`.
 */
export function httpRecorder() {
  const seen: SeenRequest[] = [];
  const rec = {
    seen,
    respond: ((_req: IncomingMessage, res: ServerResponse) => void res.writeHead(204).end()) as (req: IncomingMessage, res: ServerResponse) => void,
    /** Listen; resolves to the base URL (http://127.0.0.1:port). */
    start: async (): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    stop: async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      rec.respond(req, res);
    });
  });
  return rec;
}
