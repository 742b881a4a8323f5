import { api } from '../../api/client.js';
import { useState } from 'react';
import { SourcesUpdate } from '../../../contracts/sources.js';
import { useApiMutation } from '../../api/hooks.js';
import { Card } from '../../components/layout.js';

/** The origins whose pages may send events from a browser (CORS): a list editor, saved with PATCH /api/sources. */
export function OriginsEditor({ origins }: { origins: string[] }) {
  const [list, setList] = useState(origins);
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState('');
  const save = useApiMutation((allowedOrigins: string[]) => api.patch('/api/sources', { body: { allowedOrigins } }), { invalidates: ['/api/sources'] });

  const add = () => {
    const o = draft.trim().replace(/\/+$/, '');
    if (!o) return;
    const checked = SourcesUpdate.safeParse({ allowedOrigins: [o] });
    if (!checked.success) return setProblem(checked.error.issues[0]?.message ?? 'not an origin');
    setProblem('');
    if (!list.includes(o)) setList([...list.filter((x) => x !== '*'), o]);
    setDraft('');
  };

  return (
    <Card title="Allowed origins">
      <p className="muted src-help">
        Websites allowed to send events from the browser. <code>*</code> allows any origin.
      </p>
      <ul className="src-origins" aria-label="Allowed origins">
        {list.map((o) => (
          <li key={o}>
            <code>{o}</code>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${o}`} disabled={list.length === 1} onClick={() => setList(list.filter((x) => x !== o))}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="row">
        <input aria-label="New origin" placeholder="https://www.example.com" value={draft} maxLength={300} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && add()} />
        <button type="button" className="btn btn-small" onClick={add}>
          Add
        </button>
        <button type="button" className="btn btn-small btn-primary" disabled={save.isPending} onClick={() => save.mutate(list)}>
          Save origins
        </button>
      </div>
      {problem ? (
        <div className="form-error" role="alert">
          {problem}
        </div>
      ) : null}
      {save.error ? (
        <div className="form-error" role="alert">
          {save.error.message}
        </div>
      ) : null}
      {save.isSuccess ? (
        <div className="form-ok" role="status">
          Saved.
        </div>
      ) : null}
    </Card>
  );
}
