import type { ReactNode } from 'react';

/** A page's title row: title, a line of explanation, and actions on the right. */
export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** A panel with an optional title and actions. */
export function Card({ title, actions, children, className, id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; id?: string }) {
  return (
    <section className={`card ${className ?? ''}`} id={id} aria-label={typeof title === 'string' ? title : undefined}>
      {title || actions ? (
        <div className="card-head">
          {title ? <h2>{title}</h2> : <span />}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  );
}

/** Tabs that are buttons; the caller keeps which one is open (usually in the URL). */
export function Tabs<K extends string>({ tabs, value, onChange }: { tabs: Array<{ key: K; label: string }>; value: K; onChange: (k: K) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((t) => (
        <button key={t.key} type="button" role="tab" aria-selected={t.key === value} className={t.key === value ? 'tab active' : 'tab'} onClick={() => onChange(t.key)}>
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A small coloured label (stage, status). */
export function Badge({ children, tone = 'neutral', title }: { children: ReactNode; tone?: 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'accent'; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

/** Previous / next for offset-paged lists. */
export function Pager({ offset, limit, total, count, onChange }: { offset: number; limit: number; total?: number | null; count: number; onChange: (offset: number) => void }) {
  const end = offset + count;
  return (
    <div className="pager">
      <span className="muted">
        {count === 0 ? 'None' : `${(offset + 1).toLocaleString('en-US')}–${end.toLocaleString('en-US')}`}
        {typeof total === 'number' ? ` of ${total.toLocaleString('en-US')}` : ''}
      </span>
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <button type="button" className="btn btn-small" disabled={typeof total === 'number' ? end >= total : count < limit} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </div>
  );
}
