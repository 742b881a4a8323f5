import { useState } from 'react';
import { download } from '../../api/client.js';

/** Download every member of a segment as CSV (GET /api/segments/:id/members.csv with the admin key). */
export function ExportCsv({ id, name, label = 'CSV', small = true }: { id: string; name: string; label?: string; small?: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await download('/api/segments/:id/members.csv', { params: { id } }, `${name.replace(/[^\w.-]+/g, '_') || id}.csv`);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={small ? 'btn btn-small' : 'btn'} disabled={busy} aria-label={`Export ${name} members as CSV`} onClick={() => void run()}>
        {busy ? 'Exporting…' : label}
      </button>
      {error ? (
        <span className="seg-row-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
