import { useState, type FormEvent } from 'react';
import type { PrivacyRequestView, RegulationType, SubjectType } from '../../../contracts/privacy.js';
import { api } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';
import { isErasureReceipt, ReceiptView } from './Receipt.js';

/** The most people one regulation may name (the API's limit). */
export const MAX_SUBJECTS = 1000;

const TYPES: Array<{ key: RegulationType; label: string; erases: boolean }> = [
  { key: 'SUPPRESS_WITH_DELETE', label: 'Erase and keep dropping their events', erases: true },
  { key: 'DELETE_ONLY', label: 'Erase only', erases: true },
  { key: 'SUPPRESS_ONLY', label: 'Drop their future events (keep what is stored)', erases: false },
  { key: 'UNSUPPRESS', label: 'Lift a suppression', erases: false },
  { key: 'EXPORT', label: 'Export their data (an archive)', erases: false },
];
const SUBJECTS: Array<{ key: SubjectType; label: string }> = [
  { key: 'USER_ID', label: 'userId' },
  { key: 'EMAIL', label: 'Email' },
  { key: 'ANONYMOUS_ID', label: 'anonymousId' },
  { key: 'PHONE', label: 'Phone' },
  { key: 'CUSTOMER_ID', label: 'Tenure customer id' },
];

/** The ids one per line: trimmed, blank lines dropped, each once. */
export function parseIds(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

/** One regulation over up to 1,000 people (POST /api/privacy/regulations), as Segment's regulations API takes it. */
export function RegulationForm() {
  const [type, setType] = useState<RegulationType>('SUPPRESS_WITH_DELETE');
  const [subjectType, setSubjectType] = useState<SubjectType>('USER_ID');
  const [text, setText] = useState('');
  const [sure, setSure] = useState(false);
  const [done, setDone] = useState<PrivacyRequestView | null>(null);
  const ids = parseIds(text);
  const erases = TYPES.find((t) => t.key === type)!.erases;
  const tooMany = ids.length > MAX_SUBJECTS;
  const send = useApiMutation(() => api.post('/api/privacy/regulations', { body: { regulationType: type, subjectType, subjectIds: ids } }), {
    invalidates: ['/api/privacy'],
    onSuccess: (r) => {
      setDone(r);
      setText('');
      setSure(false);
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    if (ids.length && !tooMany && (!erases || sure)) send.mutate(undefined);
  }
  return (
    <Card title="New regulation">
      <form className="priv-form" onSubmit={submit} aria-label="New regulation">
        <p className="muted priv-help">Act on many people at once, by the ids your other systems know them by (Segment’s regulation types).</p>
        <div className="priv-form-row priv-form-wide">
          <label className="field">
            <span>What to do</span>
            <select aria-label="Regulation type" value={type} onChange={(e) => setType(e.target.value as RegulationType)}>
              {TYPES.map((t) => (
                <option key={t.key} value={t.key}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>They are named by</span>
            <select aria-label="Subject type" value={subjectType} onChange={(e) => setSubjectType(e.target.value as SubjectType)}>
              {SUBJECTS.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label className="field">
          <span>
            Ids, one per line <span className="muted">(up to 1,000)</span>
          </span>
          <textarea aria-label="Subject ids" aria-invalid={tooMany} value={text} onChange={(e) => setText(e.target.value)} placeholder={'user_123\nuser_456'} spellCheck={false} />
          <span className={tooMany ? 'set-field-error' : 'muted'} role={tooMany ? 'alert' : undefined}>
            {ids.length.toLocaleString('en-US')} {ids.length === 1 ? 'person' : 'people'}
            {tooMany ? ` — at most ${MAX_SUBJECTS.toLocaleString('en-US')} per regulation; split the list.` : ''}
          </span>
        </label>
        {erases ? (
          <label className="priv-check">
            <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} />
            <span>I understand that the people named are erased for good, with everything Tenure holds on them.</span>
          </label>
        ) : null}
        {send.error ? (
          <p className="form-error" role="alert">
            {send.error.message} <span className="muted">({send.error.code})</span>
          </p>
        ) : null}
        <div className="row">
          <button type="submit" className={erases ? 'btn btn-danger-solid' : 'btn btn-primary'} disabled={!ids.length || tooMany || (erases && !sure) || send.isPending}>
            {send.isPending ? 'Sending…' : erases ? `Erase ${ids.length ? ids.length.toLocaleString('en-US') + ' ' : ''}${ids.length === 1 ? 'person' : 'people'}` : 'Send regulation'}
          </button>
        </div>
        {done ? (
          <div className="form-ok" role="status">
            Request #{done.id} is {done.status}.{isErasureReceipt(done.receipt) ? null : ' Its receipt shows under Requests.'}
          </div>
        ) : null}
        {done && isErasureReceipt(done.receipt) ? <ReceiptView receipt={done.receipt} /> : null}
      </form>
    </Card>
  );
}
