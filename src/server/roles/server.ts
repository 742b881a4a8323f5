/** A process with the `api` role: the HTTP server over the process's wiring (the workers its roles run). */
import type { FastifyInstance } from 'fastify';
import type { ChannelStatus } from '../../contracts/messaging.js';
import { describeChannels } from '../channels/senders.js';
import { buildApp, type HttpDeps } from '../http/app.js';
import { ALL_ROLES, type Role } from './roles.js';
import { wire, type Wiring, type WiringOptions } from './wiring.js';

export type ServerDeps = Omit<HttpDeps, 'bus' | 'gate' | 'models' | 'box' | 'boxMissing' | 'channels'> &
  Omit<WiringOptions, 'roles' | 'publicUrl'> & {
    /** Default every role (as `tenure start`); the server always has `api`. */
    roles?: ReadonlySet<Role>;
    /** Base URL customers reach this server at, for links in messages (default http://127.0.0.1:3000). */
    publicUrl?: string;
    /** What GET /api/channels reports (default: described from `senders`, without hosts). */
    channels?: ChannelStatus[];
  };

/**
 * Build the HTTP server (not listening yet) and start the background parts of its roles;
 * closing the server stops them. `wiring` is there for callers that need a part (tests).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance & { wiring: Wiring }> {
  const roles = new Set<Role>([...(deps.roles ?? ALL_ROLES), 'api']);
  const wiring = wire(deps.db, deps.log, { ...deps, roles, publicUrl: deps.publicUrl ?? 'http://127.0.0.1:3000' });
  let app: FastifyInstance;
  try {
    app = await buildApp({
      ...deps,
      bus: wiring.bus,
      gate: wiring.gate,
      models: wiring.models,
      box: wiring.box,
      boxMissing: wiring.boxMissing,
      channels: deps.channels ?? describeChannels(wiring.serverSenders),
    });
  } catch (err) {
    await wiring.stop();
    throw err;
  }
  app.addHook('onClose', () => wiring.stop());
  wiring.start();
  return Object.assign(app, { wiring });
}
