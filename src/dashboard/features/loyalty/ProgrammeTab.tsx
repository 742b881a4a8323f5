import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { ProgrammeSettings, ProgrammeStatus, ProgrammeView } from '../../../contracts/loyalty.js';
import { api, ApiError } from '../../api/client.js';
import { useApi } from '../../api/hooks.js';
import { useWorkspace } from '../../api/workspace.js';
import { fmtRelative } from '../../components/format.js';
import { Badge, Card } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { programmeSummary } from './describe.js';
import { EarnRulesCard } from './EarnRulesCard.js';
import { GeneralCard } from './GeneralCard.js';
import { check, defaultSettings, draftPath } from './programme-form.js';
import { TiersCard } from './TiersCard.js';

const STATUS_TONE = { draft: 'neutral', live: 'good', paused: 'warn' } as const;

/** The programme: its status with Go live / Pause, and its settings (general, earn rules, tiers) saved as a whole. */
export function ProgrammeTab() {
  const q = useApi('/api/loyalty/programme');
  if (q.error) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  if (q.isPending) return <Loading label="Loading the programme…" />;
  // Before the first save the server answers a draft with the default settings and version 0.
  const view = q.error || !q.data || q.data.version === 0 ? null : q.data;
  // One editor for the page's life: a save refetches the programme, and the editor keeps its notice and draft (it took the saved view from the answer).
  return <ProgrammeEditor initial={view} />;
}

function ProgrammeEditor({ initial }: { initial: ProgrammeView | null }) {
  const qc = useQueryClient();
  const { currency, timezone } = useWorkspace();
  const [saved, setSaved] = useState<ProgrammeView | null>(initial);
  const [d, setD] = useState<ProgrammeSettings>(() => initial?.settings ?? defaultSettings());
  const [shownErrors, setShownErrors] = useState(false);
  const [server, setServer] = useState<{ message: string; field?: string } | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const checked = useMemo(() => check(d), [d]);
  const serverAt = draftPath(server?.field);
  const errors = { ...(shownErrors ? checked.errors : {}), ...(serverAt && server ? { [serverAt]: server.message } : {}) };
  const dirty = !saved || JSON.stringify(d) !== JSON.stringify(saved.settings);
  const status: ProgrammeStatus = saved?.status ?? 'draft';

  const set = (p: Partial<ProgrammeSettings>) => {
    setD((x) => ({ ...x, ...p }));
    setOk(null);
    setServer(null);
  };

  const put = async (next: ProgrammeStatus | undefined, message: (v: ProgrammeView) => string) => {
    setShownErrors(true);
    setOk(null);
    setServer(null);
    if (!checked.ok) return setServer({ message: 'Fix the fields marked below, then save.' });
    setBusy(true);
    try {
      const v = await api.put('/api/loyalty/programme', { body: { settings: checked.settings, ...(next ? { status: next } : {}) } });
      setSaved(v);
      setD(v.settings);
      setShownErrors(false);
      setOk(message(v));
      await qc.invalidateQueries({ predicate: (x) => typeof x.queryKey[1] === 'string' && (x.queryKey[1] as string).startsWith('/api/loyalty') });
    } catch (e) {
      const a = e instanceof ApiError ? e : new ApiError(0, 'error', String(e));
      setServer({ message: a.message, field: a.field });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <Card className="loy-status" title="Status">
        <div className="loy-status-row">
          <div>
            <Badge tone={STATUS_TONE[status]}>{saved ? status : 'not saved yet'}</Badge>{' '}
            <span className="muted" data-testid="programme-status-text">
              {status === 'live'
                ? 'Live: members earn and redeem.'
                : status === 'paused'
                  ? 'Paused: nothing is earned; balances and rewards stay.'
                  : 'Draft: nothing is earned until the programme goes live.'}
              {saved ? ` Version ${saved.version}, saved ${fmtRelative(saved.updatedAt)}.` : ''}
              {dirty && saved ? ' Unsaved changes.' : ''}
            </span>
            <p className="muted">{programmeSummary(d, currency)}</p>
          </div>
          <div className="row">
            {status === 'live' ? (
              <button type="button" className="btn" disabled={busy} onClick={() => void put('paused', () => 'The programme is paused.')}>
                Pause
              </button>
            ) : (
              <button type="button" className="btn" disabled={busy} onClick={() => void put('live', () => 'The programme is live.')}>
                Go live
              </button>
            )}
            <button type="button" className="btn btn-primary" disabled={busy || !dirty} onClick={() => void put(undefined, (v) => `Saved (version ${v.version}).`)}>
              Save programme
            </button>
          </div>
        </div>
        {server ? (
          <div className="form-error" role="alert">
            {serverAt ? `Not saved: fix the field marked below (${serverAt}).` : server.message}
          </div>
        ) : null}
        {ok ? (
          <div className="form-ok" role="status">
            {ok}
          </div>
        ) : null}
      </Card>
      <GeneralCard d={d} set={set} errors={errors} currency={currency} />
      <EarnRulesCard d={d} set={set} errors={errors} currency={currency} timezone={timezone} />
      <TiersCard d={d} set={set} errors={errors} />
    </div>
  );
}
