import { useState, type FormEvent } from 'react';
import type { SurveyView } from '../../../contracts/surveys.js';
import { api } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { fmtNumber } from '../../components/format.js';
import { SelectField, TextField } from '../journeys/fields.js';
import { CHANNEL_LABEL } from './labels.js';

/** Invite every member of a segment once (one round); fatigue rules still hold, and say why on the results page. */
export function BroadcastCard({ survey }: { survey: SurveyView }) {
  const segments = useApi('/api/segments');
  const [segment, setSegment] = useState('');
  const [channel, setChannel] = useState<'email' | 'sms' | 'inapp'>('email');
  const [round, setRound] = useState('');
  const [done, setDone] = useState<{ round: string; invited: number } | null>(null);
  const send = useApiMutation(() => api.post('/api/surveys/:id/broadcast', { params: { id: survey.id }, body: { segment, channel, ...(round.trim() ? { round: round.trim() } : {}) } }), {
    invalidates: ['/api/surveys'],
    onSuccess: (r) => setDone(r),
  });
  const active = survey.status === 'active';
  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (segment) send.mutate(undefined);
  }
  const list = segments.data?.segments ?? [];
  return (
    <Card title="Broadcast">
      <form className="stack" onSubmit={submit} aria-label="Broadcast the survey">
        {!active ? <p className="muted">Activate the survey to send it.</p> : null}
        <div className="svy-grid3">
          <SelectField
            label="Segment"
            value={segment}
            options={[
              { value: '', label: segments.isPending ? 'Loading segments…' : list.length ? 'Choose a segment…' : 'No segments yet' },
              ...list.map((s) => ({ value: s.id, label: `${s.name} (${fmtNumber(s.members)})` })),
            ]}
            onChange={setSegment}
          />
          <SelectField
            label="Channel"
            value={channel}
            options={(['email', 'sms', 'inapp'] as const).map((c) => ({ value: c, label: CHANNEL_LABEL[c]! }))}
            onChange={(c) => setChannel(c as typeof channel)}
          />
          <TextField label="Round (optional)" value={round} placeholder="e.g. 2026-Q4" onChange={setRound} />
        </div>
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={!active || !segment || send.isPending}>
            Send to the segment
          </button>
          <span className="muted">Each member is invited once per round; fatigue rules may hold or skip some.</span>
        </div>
        {done ? (
          <p className="form-ok" role="status">
            Invited {fmtNumber(done.invited)} customers (round {done.round}).
          </p>
        ) : null}
        {send.error ? (
          <p className="form-error" role="alert">
            {send.error.message}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
