import type { z } from 'zod';
import type { ChannelsView } from '../../../contracts/messaging.js';
import { useApi } from '../../api/hooks.js';
import { Badge, Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import { Link } from '../../router.js';
import { channelLabel } from './options.js';

type Channels = z.infer<typeof ChannelsView>;
type Transport = Channels['channels'][number]['transport'];

/** How each transport sends. */
const HOW: Record<Transport, string> = {
  smtp: 'SMTP',
  sms_api: 'Twilio-compatible SMS API',
  outbox: 'Outbox: rendered and kept, not sent',
  http: 'HTTP POST to the URL the step names, signed',
  inbox: 'In-app inbox (GET /v1/inbox with the write key and the userId signed by your backend, see docs/in-app-inbox.md)',
};
/** The environment variables that set a channel's provider (webhooks and in-app need none). */
const VARS: Record<string, string> = { email: 'SMTP_URL, EMAIL_FROM, SMTP_POOL_SIZE', sms: 'SMS_API_URL, SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM' };

/** The channels as this workspace sends them (GET /api/channels): a provider connected in Settings, else the server's (environment variables), else the outbox. */
export function ProvidersNote() {
  const q = useApi('/api/channels', undefined, { staleTime: 60_000 });
  return (
    <Card title="Where messages go">
      <p className="muted set-help">
        Connect a provider for this workspace below, or set one for the whole server with environment variables (then restart it); one connected here comes first. A channel without a provider sends
        nothing: its messages are kept in the <Link to="/outbox">Outbox</Link>. Links in messages (tracking, unsubscribe) start with <code>TENURE_PUBLIC_URL</code>.
      </p>
      <QueryView query={q} empty={{ title: 'No channels reported' }} isEmpty={(d) => d.channels.length === 0}>
        {(d) => (
          <div className="table-wrap">
            <table aria-label="Channels">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col">How</th>
                  <th scope="col">From</th>
                  <th scope="col">Set with</th>
                </tr>
              </thead>
              <tbody>
                {d.channels.map((c) => {
                  const vars = VARS[c.channel];
                  return (
                    <tr key={c.channel} data-channel={c.channel} data-transport={c.transport}>
                      <td>{channelLabel(c.channel)}</td>
                      <td>{c.sends ? <Badge tone="good">sends</Badge> : <Badge tone="warn">outbox only</Badge>}</td>
                      <td>
                        {HOW[c.transport]}
                        {c.target ? (
                          <>
                            {' '}
                            via <code>{c.target}</code>
                          </>
                        ) : null}
                      </td>
                      <td>{c.from ?? <span className="muted">—</span>}</td>
                      <td>
                        {vars ? (
                          <>
                            the providers below, or <code>{vars}</code>
                          </>
                        ) : (
                          <span className="muted">nothing to set</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </Card>
  );
}
