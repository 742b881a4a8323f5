import { useQueryClient } from '@tanstack/react-query';
import { ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useState } from 'react';
import type { ImportKind, ImportPreview, ImportView } from '../../../contracts/imports.js';
import { useApi } from '../../api/hooks.js';
import { fmtNumber } from '../../components/format.js';
import { Badge, Card, PageHeader } from '../../components/layout.js';
import { QueryView } from '../../components/states.js';
import type { PageProps } from '../../routes.js';
import { ImportProgress } from './ImportProgress.js';
import { PreviewTable } from './PreviewTable.js';
import { previewFile, uploadFile } from './upload.js';
import './imports.css';

const KINDS: Array<{ key: ImportKind; label: string }> = [
  { key: 'customers', label: 'Customers (one row per customer: user_id and traits)' },
  { key: 'events', label: 'Events (one row per event: event, user_id, timestamp, properties.*)' },
  { key: 'spend', label: 'Marketing spend (day, channel, campaign, amount, currency; all or nothing)' },
];

const TONE: Record<string, 'good' | 'bad' | 'warn' | 'info' | 'neutral'> = { done: 'good', failed: 'bad', cancelled: 'warn', running: 'info', queued: 'neutral' };

/** Import a CSV file into the running server: choose it, check the mapping, start, follow it. */
export default function ImportsPage(_props: PageProps) {
  const [kind, setKind] = useState<ImportKind>('events');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [busy, setBusy] = useState<'preview' | 'upload' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<ImportView | null>(null);
  const qc = useQueryClient();
  const list = useApi('/api/imports', undefined, { refetchInterval: 3_000 });

  const check = async (k: ImportKind, f: File | null) => {
    setPreview(null);
    setError(null);
    setStarted(null);
    if (!f) return;
    setBusy('preview');
    try {
      setPreview(await previewFile(k, f));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const start = async () => {
    if (!file) return;
    setBusy('upload');
    setError(null);
    try {
      setStarted(await uploadFile(kind, file));
      await qc.invalidateQueries({ predicate: (x) => x.queryKey[1] === '/api/imports' });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader title="Import" subtitle="Load customers, events or marketing spend from a CSV file into the running server." />
      <ReadOnlyUnless needs="data.write" note>
        <div className="stack">
          <Card title="Import a CSV file">
            <div className="stack">
              <div className="row imp-controls">
                <label className="field">
                  <span>What the file holds</span>
                  <select
                    aria-label="Kind of file"
                    value={kind}
                    onChange={(e) => {
                      const k = e.target.value as ImportKind;
                      setKind(k);
                      void check(k, file);
                    }}
                  >
                    {KINDS.map((k) => (
                      <option key={k.key} value={k.key}>
                        {k.label}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  <span>CSV file (a header row, then the rows)</span>
                  <input
                    type="file"
                    aria-label="CSV file"
                    accept=".csv,text/csv,.gz"
                    onChange={(e) => {
                      const f = e.target.files?.[0] ?? null;
                      setFile(f);
                      void check(kind, f);
                    }}
                  />
                </label>
              </div>
              {busy === 'preview' ? <div className="muted">Reading the first rows…</div> : null}
              {error ? (
                <div className="form-error" role="alert">
                  {error}
                </div>
              ) : null}
              {preview && !started ? (
                <>
                  <PreviewTable preview={preview} />
                  <div className="row">
                    <button type="button" className="btn btn-primary" disabled={busy !== null || preview.headerError !== null} onClick={() => void start()}>
                      {busy === 'upload' ? 'Uploading…' : `Start import of ${file?.name ?? 'the file'}`}
                    </button>
                    {file ? <span className="muted">{fmtNumber(file.size)} bytes</span> : null}
                  </div>
                </>
              ) : null}
              {started ? <ImportProgress key={started.id} first={started} /> : null}
            </div>
          </Card>
          <Card title="Recent imports">
            <QueryView query={list} isEmpty={(d) => d.imports.length === 0} empty={{ title: 'No imports yet', hint: 'Imports started here or with `tenure import` while the server runs show here.' }}>
              {(d) => (
                <div className="table-wrap">
                  <table aria-label="Recent imports">
                    <thead>
                      <tr>
                        <th>File</th>
                        <th>Kind</th>
                        <th>Status</th>
                        <th className="num">Stored</th>
                        <th className="num">Rejected</th>
                        <th>Started</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.imports.map((i) => (
                        <tr key={i.id}>
                          <td>
                            <button type="button" className="btn btn-ghost btn-small" onClick={() => setStarted(i)}>
                              {i.fileName}
                            </button>
                          </td>
                          <td>{i.kind}</td>
                          <td>
                            <Badge tone={TONE[i.status]}>{i.status === 'running' ? `running ${i.percent}%` : i.status}</Badge>
                          </td>
                          <td className="num">{fmtNumber(i.accepted)}</td>
                          <td className="num">{fmtNumber(i.rejected)}</td>
                          <td>{new Date(i.createdAt).toLocaleString()}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </QueryView>
          </Card>
        </div>
      </ReadOnlyUnless>
    </>
  );
}
