import { Card } from '../../components/layout.js';
import { Link } from '../../router.js';

/** Where email and SMS providers are configured: environment variables (no endpoint says which are set). */
export function ProvidersNote() {
  return (
    <Card title="Email & SMS providers">
      <p className="muted set-help">
        Providers are set on the server with environment variables, not here, and the API does not report which are set. A channel without its provider sends nothing: its
        messages are kept in the <Link to="/outbox">Outbox</Link>.
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Variables</th>
              <th scope="col">Unset</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>Email (SMTP)</td>
              <td>
                <code>SMTP_URL</code> (smtp:// or smtps://, user:pass@ included), <code>EMAIL_FROM</code>, <code>SMTP_POOL_SIZE</code>
              </td>
              <td>emails go to the outbox</td>
            </tr>
            <tr>
              <td>SMS (Twilio-compatible)</td>
              <td>
                <code>SMS_API_URL</code> with <code>SMS_ACCOUNT_SID</code>, <code>SMS_AUTH_TOKEN</code>, <code>SMS_FROM</code>
              </td>
              <td>SMS go to the outbox</td>
            </tr>
            <tr>
              <td>Links in messages</td>
              <td>
                <code>TENURE_PUBLIC_URL</code> (base URL for tracking and unsubscribe links)
              </td>
              <td>http://HOST:PORT</td>
            </tr>
          </tbody>
        </table>
      </div>
    </Card>
  );
}
