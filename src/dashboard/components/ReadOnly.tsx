import type { ReactNode } from 'react';
import type { Permission } from '../../contracts/team.js';
import { useCan } from '../api/session.js';

/**
 * What the signed-in role may read but not change: inside, controls are disabled and save,
 * create and delete buttons (submit, primary, danger) hidden, so the page offers no dead
 * buttons. The server refuses the writes anyway (src/server/http/policy.ts).
 */
export function ReadOnlyUnless({ needs, children, note }: { needs: Permission; children: ReactNode; note?: boolean }) {
  const can = useCan(needs);
  if (can) return <>{children}</>;
  return (
    <fieldset className="readonly" disabled>
      {note ? <p className="muted readonly-note">Read-only: your role cannot change this.</p> : null}
      {children}
    </fieldset>
  );
}

/** Its children only when the role holds `needs` (a "New …" button, a Delete). */
export function IfCan({ needs, children }: { needs: Permission; children: ReactNode }) {
  return useCan(needs) ? <>{children}</> : null;
}
