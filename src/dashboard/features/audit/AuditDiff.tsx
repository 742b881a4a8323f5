import { useState } from 'react';
import type { AuditEntry } from '../../../contracts/audit.js';
import { diffFields, valueText, type FieldChange } from './diff.js';

/** A value in a cell; an empty string says so instead of showing nothing. */
function Value({ v }: { v: unknown }) {
  return v === '' ? <span className="muted">(empty)</span> : <span className="audit-val">{valueText(v)}</span>;
}

const KIND_LABEL: Record<FieldChange['kind'], string> = { added: 'added', removed: 'removed', changed: 'changed', same: '' };

/** An entry's object before and after, field by field: changed fields first-class, unchanged ones folded away. */
export function AuditDiff({ entry }: { entry: AuditEntry }) {
  const [showSame, setShowSame] = useState(false);
  const fields = diffFields(entry.before, entry.after);
  if (fields.length === 0) return <p className="muted audit-nodata">No object data was recorded with this entry.</p>;
  const changed = fields.filter((f) => f.kind !== 'same');
  const same = fields.length - changed.length;
  const shown = showSame ? fields : changed;
  const one = entry.before === null || entry.after === null;
  return (
    <div className="audit-diff">
      <p className="muted audit-diff-sum">
        {entry.before === null
          ? `Created with ${fields.length} ${fields.length === 1 ? 'field' : 'fields'}.`
          : entry.after === null
            ? `Removed; it had ${fields.length} ${fields.length === 1 ? 'field' : 'fields'}.`
            : `${changed.length} ${changed.length === 1 ? 'field' : 'fields'} changed${same ? `, ${same} unchanged` : ''}.`}
      </p>
      {shown.length ? (
        <div className="table-wrap">
          <table className="audit-diff-table" aria-label={`Changes in entry ${entry.id}`}>
            <thead>
              <tr>
                <th>Field</th>
                {entry.before !== null ? <th>Before</th> : null}
                {entry.after !== null ? <th>After</th> : null}
              </tr>
            </thead>
            <tbody>
              {shown.map((f) => (
                <tr key={f.path} className={`audit-f-${f.kind}`} data-kind={f.kind}>
                  <td className="audit-path">
                    <code>{f.path || '(value)'}</code>
                    {!one && KIND_LABEL[f.kind] ? <span className="audit-kind">{KIND_LABEL[f.kind]}</span> : null}
                  </td>
                  {entry.before !== null ? <td className="audit-before">{f.kind === 'added' ? <span className="muted">—</span> : <Value v={f.before} />}</td> : null}
                  {entry.after !== null ? <td className="audit-after">{f.kind === 'removed' ? <span className="muted">—</span> : <Value v={f.after} />}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {same ? (
        <button type="button" className="btn btn-ghost btn-small" aria-expanded={showSame} onClick={() => setShowSame((s) => !s)}>
          {showSame ? 'Hide unchanged fields' : `Show ${same} unchanged ${same === 1 ? 'field' : 'fields'}`}
        </button>
      ) : null}
    </div>
  );
}
