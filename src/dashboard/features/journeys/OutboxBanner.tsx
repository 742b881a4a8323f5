import { useApi } from '../../api/hooks.js';
import { Link } from '../../router.js';
import './outbox-banner.css';

/**
 * Said while no email provider is connected (in Settings, or on the server with SMTP_URL):
 * journeys' emails are rendered and kept in the outbox, not sent. Nothing when it sends.
 */
export function OutboxBanner() {
  const q = useApi('/api/providers', undefined, { staleTime: 30_000 });
  const email = q.data?.providers.find((p) => p.channel === 'email');
  if (!email || email.sends) return null;
  return (
    <div className="outbox-banner" role="note" aria-label="No email provider">
      Messages are kept in the outbox: no email provider is connected. <Link to="/settings?tab=messaging">Connect one in Settings.</Link>
    </div>
  );
}
