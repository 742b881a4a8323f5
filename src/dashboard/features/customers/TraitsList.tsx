import { fmtDateTime } from '../../components/format.js';
import { Empty } from '../../components/states.js';
import { showValue } from './types.js';

/** Traits as a key/value list; hovering a value tells when it was last set. */
export function TraitsList({ traits, times }: { traits: Record<string, unknown>; times?: Record<string, [string, string]> }) {
  const entries = Object.entries(traits).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length)
    return (
      <Empty title="No traits" height={80}>
        Traits come from identify calls.
      </Empty>
    );
  return (
    <dl className="kv" aria-label="Traits">
      {entries.map(([k, v]) => (
        <div key={k} className="cust-kv-row">
          <dt>{k}</dt>
          <dd title={times?.[k] ? `Last set ${fmtDateTime(times[k][1])}` : undefined}>{showValue(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
