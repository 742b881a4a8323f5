import { useEffect, useState } from 'react';
import { useApi } from '../../api/hooks.js';
import { ErrorNote } from '../../components/states.js';

/** A customer as the list API gives it (the fields the picker uses). */
export interface PickedCustomer {
  userId: string | null;
  anonymousIds: string[];
  traits: Record<string, unknown>;
}

/** The id the API accepts for a customer: userId, else an anonymousId. */
export function customerKey(c: PickedCustomer): string {
  return c.userId ?? c.anonymousIds[0] ?? '';
}

/** "Hedy Silva · hedy@example.com". */
export function customerLabel(c: PickedCustomer): string {
  const t = c.traits;
  const name = typeof t.name === 'string' ? t.name : [t.first_name, t.last_name].filter((x) => typeof x === 'string').join(' ');
  const email = typeof t.email === 'string' ? t.email : null;
  return [name || customerKey(c), email].filter(Boolean).join(' · ');
}

/** Search customers (GET /api/customers?q=) and pick one. */
export function CustomerPicker({ value, onChange }: { value: PickedCustomer | null; onChange: (c: PickedCustomer | null) => void }) {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(t);
  }, [text]);
  const list = useApi('/api/customers', q.length >= 2 ? { query: { q, limit: 8 } } : null);
  if (value) {
    return (
      <div className="row">
        <span>
          Previewing for <strong>{customerLabel(value)}</strong>
        </span>
        <button type="button" className="btn btn-small" onClick={() => onChange(null)}>
          Change customer
        </button>
      </div>
    );
  }
  return (
    <div className="jny-picker">
      <label className="field">
        <span>Find a customer</span>
        <input type="search" value={text} placeholder="Name, email or id (2+ characters)" onChange={(e) => setText(e.target.value)} />
      </label>
      {list.error ? <ErrorNote error={list.error} /> : null}
      {q.length >= 2 && list.data ? (
        list.data.customers.length ? (
          <ul className="jny-picker-list" aria-label="Matching customers">
            {list.data.customers.map((c) => (
              <li key={customerKey(c)}>
                <button type="button" onClick={() => onChange(c)}>
                  {customerLabel(c)}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No customer matches “{q}”.</p>
        )
      ) : null}
      {q.length >= 2 && list.isFetching && !list.data ? <p className="muted">Searching…</p> : null}
    </div>
  );
}
