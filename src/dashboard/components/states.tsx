import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';

/** A loading placeholder with an accessible label (charts and lists show it while their data comes). */
export function Loading({ label = 'Loading…', height }: { label?: string; height?: number }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" style={height ? { minHeight: height } : undefined}>
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** What an empty chart or list says instead of drawing nothing. */
export function Empty({ title, children, height }: { title: string; children?: ReactNode; height?: number }) {
  return (
    <div className="state state-empty" style={height ? { minHeight: height } : undefined}>
      <strong>{title}</strong>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** An API error in words, with the server's code for people who report it. */
export function ErrorNote({ error, retry, height }: { error: unknown; retry?: () => void; height?: number }) {
  const e = error as Partial<ApiError> | null;
  const message = e?.message || 'Something went wrong.';
  return (
    <div className="state state-error" role="alert" style={height ? { minHeight: height } : undefined}>
      <strong>Could not load this.</strong>
      <span>{message}</span>
      {e?.code ? <code className="muted">{e.code}</code> : null}
      {retry ? (
        <button type="button" className="btn btn-small" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/**
 * Render a query's three states: loading, error (in words), or the data. `isEmpty`
 * decides when the data shows the empty state instead.
 */
export function QueryView<T>({
  query,
  children,
  empty,
  isEmpty,
  height,
  loadingLabel,
}: {
  query: { data: T | undefined; error: unknown; isPending: boolean; refetch: () => unknown };
  children: (data: T) => ReactNode;
  empty?: { title: string; hint?: ReactNode };
  isEmpty?: (data: T) => boolean;
  height?: number;
  loadingLabel?: string;
}) {
  if (query.error && query.data === undefined) return <ErrorNote error={query.error} retry={() => void query.refetch()} height={height} />;
  if (query.isPending || query.data === undefined) return <Loading height={height} label={loadingLabel} />;
  if (empty && isEmpty?.(query.data))
    return (
      <Empty title={empty.title} height={height}>
        {empty.hint}
      </Empty>
    );
  return <>{children(query.data)}</>;
}
