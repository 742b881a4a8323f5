import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 for fault injection: point a client at `port` instead of the target. */
export interface TcpProxy {
  readonly port: number;
  /** Destroy every open connection, and from now on accept-and-destroy new ones (as a dead database host would answer). */
  cut(): void;
  /** Pass connections through again. */
  restore(): void;
  /** Connections turned away while cut, since the proxy started. */
  refused(): number;
  close(): Promise<void>;
}

/** Start a proxy to `targetHost:targetPort` on an ephemeral loopback port. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let refused = 0;
  const server = createServer((client) => {
    if (isCut) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const destroyAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };
  return {
    port,
    cut: () => {
      isCut = true;
      destroyAll();
    },
    restore: () => {
      isCut = false;
    },
    refused: () => refused,
    close: async () => {
      destroyAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
