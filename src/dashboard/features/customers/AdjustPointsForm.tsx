import { useState } from 'react';
import { api } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { TextField } from '../journeys/fields.js';

/** A new idempotency key for one submit of the form (a retried request keeps it; a new submit gets another). */
function newKey(): string {
  return `admin-adjust:${typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`}`;
}

/** Add or take away points by hand, with the reason kept on the entry. */
export function AdjustPointsForm({ id, pointsName }: { id: string; pointsName: string }) {
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<{ points?: string; reason?: string }>({});
  const [done, setDone] = useState<string | null>(null);
  const adjust = useApiMutation((body: { points: number; reason: string; key: string }) => api.post('/api/loyalty/members/:id/adjust', { params: { id }, body }), {
    invalidates: ['/api/loyalty/members', '/api/loyalty/reports', '/api/customers'],
    onSuccess: (r, v) => {
      setDone(`${v.points > 0 ? 'Added' : 'Took away'} ${Math.abs(v.points).toLocaleString('en-US')} ${pointsName}: the balance is now ${r.balance.toLocaleString('en-US')}.`);
      setPoints('');
      setReason('');
    },
  });
  return (
    <form
      className="stack"
      aria-label="Adjust points"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setDone(null);
        const n = Number(points);
        const p: typeof problem = {};
        if (!Number.isInteger(n) || n === 0 || points.trim() === '') p.points = 'a whole number, not 0 (negative takes points away)';
        if (!reason.trim()) p.reason = 'say why: it stays on the ledger';
        setProblem(p);
        if (p.points || p.reason) return;
        adjust.mutate({ points: n, reason: reason.trim(), key: newKey() });
      }}
    >
      <div className="loy-grid2">
        <TextField label="Points (±)" type="number" value={points} errors={problem.points ? [problem.points] : []} onChange={setPoints} placeholder="e.g. 200 or -50" />
        <TextField label="Reason" value={reason} errors={problem.reason ? [problem.reason] : []} onChange={setReason} placeholder="e.g. Late delivery goodwill" />
      </div>
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={adjust.isPending}>
          Adjust points
        </button>
        {done ? (
          <span className="form-ok" role="status">
            {done}
          </span>
        ) : null}
      </div>
      {adjust.error ? (
        <p className="form-error" role="alert">
          {adjust.error.message}
        </p>
      ) : null}
    </form>
  );
}
