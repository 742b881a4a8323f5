import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { updateWorkspace, useSession } from '../../api/session.js';
import { fmtDateTime } from '../../components/format.js';
import { Card } from '../../components/layout.js';
import { FormError } from './forms.js';

/**
 * Deleting the workspace (owners): typed confirmation of its slug, then a grace period during
 * which "Restore" undoes it; after it, everything in the workspace is purged.
 */
export function DeleteWorkspaceSection() {
  const { workspace } = useSession();
  const [typed, setTyped] = useState('');
  const [open, setOpen] = useState(false);
  const [purgeAfter, setPurgeAfter] = useState<string | null>(null);
  const del = useApiMutation(() => api.delete('/api/workspace', { body: { confirm: typed } }), {
    onSuccess: (r) => {
      setPurgeAfter(r.purgeAfter);
      setOpen(false);
      setTyped('');
      if (workspace) updateWorkspace(workspace.id, { deleting: r.deleting });
    },
  });
  const restore = useApiMutation(() => api.post('/api/workspace/restore'), {
    onSuccess: (r) => {
      setPurgeAfter(null);
      if (workspace) updateWorkspace(workspace.id, { deleting: r.deleting });
    },
  });
  if (!workspace) return null;

  function submit(e: FormEvent) {
    e.preventDefault();
    del.mutate(undefined);
  }

  return (
    <Card title="Delete the workspace" className="set-danger">
      {workspace.deleting ? (
        <div className="stack" role="status">
          <p className="form-error">
            <strong>{workspace.name} is being deleted.</strong>{' '}
            {purgeAfter ? `Its customers, events and settings are purged after ${fmtDateTime(purgeAfter)}.` : 'Its data is purged when the grace period ends.'} Until then it can be restored as it was.
          </p>
          <FormError error={restore.error} fields={[]} />
          <div className="row">
            <button type="button" className="btn btn-primary" disabled={restore.isPending} onClick={() => restore.mutate(undefined)}>
              {restore.isPending ? 'Restoring…' : 'Restore'}
            </button>
          </div>
        </div>
      ) : open ? (
        <form className="stack" onSubmit={submit} aria-label="Confirm deleting the workspace" noValidate>
          <p>
            Every customer, event, journey, key and member of <strong>{workspace.name}</strong> goes. There is a grace period to change your mind; then it is purged for good.
          </p>
          <label className="field">
            <span>
              Type <code>{workspace.slug}</code> to confirm
            </span>
            <input name="confirmSlug" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </label>
          <FormError error={del.error} fields={[]} />
          <div className="row">
            <button type="submit" className="btn btn-danger" disabled={del.isPending || typed !== workspace.slug}>
              {del.isPending ? 'Deleting…' : `Delete ${workspace.name}`}
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="row">
          <p className="muted set-help">Deleting the workspace removes its data for everyone in it, after a grace period.</p>
          <span className="spacer" />
          <button type="button" className="btn btn-danger" onClick={() => setOpen(true)}>
            Delete workspace…
          </button>
        </div>
      )}
    </Card>
  );
}
