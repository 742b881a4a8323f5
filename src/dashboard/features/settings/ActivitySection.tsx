import { api } from '../../api/client.js';
import { useEffect, useState, type FormEvent } from 'react';
import { useCan } from '../../api/session.js';
import { useApiMutation } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { Card } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { WorkspacePatch, WorkspaceView } from '../../../contracts/workspace.js';
import type { JobViewT } from '../lifecycle/types.js';
import { JobProgress, type JobWords } from '../lifecycle/JobProgress.js';
import { FormError } from './forms.js';

type Activity = WorkspaceView['activity'];

/** What counts as a customer's activity: whether a message's opens and link clicks do (docs/activity.md). */
export function ActivitySection() {
  const { query: q } = useWorkspace();
  return (
    <Card title="Activity">
      <QueryView query={q}>{(ws) => <ActivityForm activity={ws.activity} />}</QueryView>
    </Card>
  );
}

function ActivityForm({ activity }: { activity: Activity }) {
  const canEdit = useCan('settings.write');
  const [opens, setOpens] = useState(activity.opens);
  const [clicks, setClicks] = useState(activity.clicks);
  const [job, setJob] = useState<JobViewT | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    setOpens(activity.opens);
    setClicks(activity.clicks);
  }, [activity.opens, activity.clicks]);
  const save = useApiMutation((body: WorkspacePatch) => api.patch('/api/workspace', { body }), {
    invalidates: ['/api/workspace'],
    onSuccess: (r) => {
      setJob(r.job ?? null);
      setNote(r.job ? null : 'Nothing changed.');
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setNote(null);
    save.mutate({ activity: { opens, clicks } });
  }
  return (
    <form className="stack" onSubmit={submit} aria-label="Activity settings">
      <p className="muted set-help">
        Activity is what the customer did: their own events and page views, not profile updates from other systems nor messages sent to them. It decides “last seen”, inactivity (at risk, churned),
        active customers, retention and the churn model.
      </p>
      <label className="check">
        <input type="checkbox" disabled={!canEdit} checked={clicks} onChange={(e) => setClicks(e.target.checked)} aria-label="A click in a message counts as activity" />
        <span>A click in a message counts as activity (the customer chose to come)</span>
      </label>
      <label className="check">
        <input type="checkbox" disabled={!canEdit} checked={opens} onChange={(e) => setOpens(e.target.checked)} aria-label="An opened email counts as activity" />
        <span>An opened email counts as activity (mail apps and privacy proxies open mail by themselves, so opens overstate it)</span>
      </label>
      <FormError error={save.error} fields={[]} />
      {note && !save.error ? (
        <p className="form-ok" role="status">
          {note}
        </p>
      ) : null}
      {job ? <JobProgress key={job.id} job={job} words={REEVALUATION} /> : null}
      {canEdit ? (
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={save.isPending || (opens === activity.opens && clicks === activity.clicks)}>
            {save.isPending ? 'Saving…' : 'Save and re-evaluate'}
          </button>
        </div>
      ) : null}
    </form>
  );
}

/** The re-evaluation job's words for JobProgress. */
const REEVALUATION: JobWords = {
  done: () => 'Saved. Stages and segments were evaluated again under the new definition; the analytics follow at their next sync.',
  failed: (reason) => `Saved, but the re-evaluation failed: ${reason}.`,
  running: 'Saved. Evaluating stages and segments again',
  refreshes: '/api/',
};
