import { useState } from 'react';
import { ReadOnlyUnless } from '../../components/ReadOnly.js';
import { useQuery } from '@tanstack/react-query';
import type { SourcesView } from '../../../contracts/sources.js';
import { api, ApiError } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import { Card, PageHeader, Tabs } from '../../components/layout.js';
import { ErrorNote, Loading } from '../../components/states.js';
import { LiveDebugger } from './LiveDebugger.js';
import { OriginsEditor } from './OriginsEditor.js';
import { snippetsFor, WRITE_KEY_PLACEHOLDER, type Snippet } from './snippets.js';
import './sources.css';

/** GET /api/sources, or null when this server has no such endpoint (404): the page then asks for the write key. */
function useSources() {
  const { workspace } = useSession();
  return useQuery<SourcesView | null, ApiError>({
    queryKey: [workspace?.id ?? 0, '/api/sources'],
    queryFn: async ({ signal }) => {
      try {
        return await api.get('/api/sources', { signal });
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    enabled: workspace !== undefined,
    retry: false,
  });
}

const pastedKey = (wsId: number) => `tenure.writeKey.${wsId}`;

/** Sources: the write key, snippets for each SDK with this server filled in, the allowed origins, and the live event debugger. */
export default function SourcesPage() {
  const q = useSources();
  const { workspace } = useSession();
  const [pasted, setPasted] = useState(() => (workspace ? (sessionStorage.getItem(pastedKey(workspace.id)) ?? '') : ''));
  const [tab, setTab] = useState<Snippet['key']>('browser');
  if (q.isPending) return <Loading />;
  if (q.error) return <ErrorNote error={q.error} retry={() => void q.refetch()} />;
  const view = q.data;
  const serverUrl = view?.serverUrl ?? window.location.origin;
  const writeKey = view?.writeKey ?? (pasted.trim() || WRITE_KEY_PLACEHOLDER);
  const snippets = snippetsFor({ serverUrl, writeKey });
  const snippet = snippets.find((s) => s.key === tab) ?? snippets[0]!;
  return (
    <>
      <PageHeader title="Sources" subtitle="Connect your website, apps and servers: any Segment or RudderStack SDK works unchanged, pointed at this server." />
      <div className="stack">
        <Card title="Write key">
          {view ? (
            <p className="src-key">
              <code data-testid="write-key">{view.writeKey}</code>
              <span className="muted"> — public by design: it can only send events.</span>
            </p>
          ) : (
            <label className="field src-paste">
              <span>Write key (keys are stored hashed, so paste yours to fill in the snippets)</span>
              <input
                value={pasted}
                maxLength={200}
                placeholder={WRITE_KEY_PLACEHOLDER}
                onChange={(e) => {
                  setPasted(e.target.value);
                  if (workspace) sessionStorage.setItem(pastedKey(workspace.id), e.target.value.trim());
                }}
              />
            </label>
          )}
          <p className="muted src-help">
            Events go to <code data-testid="server-url">{serverUrl}</code>.
          </p>
        </Card>
        <Card title="Install">
          <Tabs tabs={snippets.map((s) => ({ key: s.key, label: s.label }))} value={snippet.key} onChange={setTab} />
          <p className="muted src-help">{snippet.note}</p>
          <CopyBlock code={snippet.code} label={`${snippet.label} snippet`} />
        </Card>
        {view ? (
          <ReadOnlyUnless needs="settings.write">
            <OriginsEditor origins={view.allowedOrigins} />
          </ReadOnlyUnless>
        ) : null}
        <LiveDebugger />
      </div>
    </>
  );
}

function CopyBlock({ code, label }: { code: string; label: string }) {
  const [copied, setCopied] = useState('');
  return (
    <div className="src-copy">
      <button
        type="button"
        className="btn btn-small"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(code);
            setCopied('Copied.');
          } catch {
            setCopied('Select the text and copy it (no clipboard permission).');
          }
        }}
      >
        Copy
      </button>
      {copied ? (
        <span className="muted" role="status">
          {copied}
        </span>
      ) : null}
      <pre className="src-code" aria-label={label}>
        {code}
      </pre>
    </div>
  );
}
