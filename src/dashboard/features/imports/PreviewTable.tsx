import type { ImportPreview } from '../../../contracts/imports.js';

const ROLE_WORDS: Record<string, string> = {
  userId: 'user id',
  anonymousId: 'anonymous id',
  timestamp: 'timestamp',
  messageId: 'message id (dedupe key)',
  event: 'event name',
  type: 'call type',
  properties: 'event properties (JSON)',
  trait: 'trait',
  property: 'event property',
  context: 'context',
  spend: 'spend field',
};

/** What each column becomes, then the first rows as they would be stored (or why not). */
export function PreviewTable({ preview }: { preview: ImportPreview }) {
  if (preview.headerError) {
    return (
      <div className="form-error" role="alert" data-testid="header-error">
        The header cannot be imported: {preview.headerError}
      </div>
    );
  }
  return (
    <div className="stack">
      <div className="table-wrap">
        <table aria-label="Column mapping">
          <thead>
            <tr>
              <th>Column</th>
              <th>Becomes</th>
              <th>Stored at</th>
              <th>Type</th>
            </tr>
          </thead>
          <tbody>
            {preview.columns.map((c) => (
              <tr key={c.header}>
                <td>
                  <code>{c.header}</code>
                </td>
                <td>{ROLE_WORDS[c.role] ?? c.role}</td>
                <td>
                  <code>{c.target}</code>
                </td>
                <td>{c.type}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table aria-label="First rows">
          <thead>
            <tr>
              <th className="num">Line</th>
              <th>As stored</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r) => (
              <tr key={r.line} className={r.error ? 'imp-bad-row' : undefined}>
                <td className="num">{r.line}</td>
                <td>
                  {r.error ? (
                    <span className="imp-error">
                      {r.error.field ? <code>{r.error.field}</code> : null} {r.error.message}
                    </span>
                  ) : (
                    <code className="imp-json">{JSON.stringify(r.stored)}</code>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
