import type { MetricInfo, MetricParameter } from '../../../contracts/metrics.js';
import { useApi } from '../../api/hooks.js';
import { setSearch } from '../../router.js';
import { CommitInput, Field } from './shared.js';
import { CHANNEL_SUGGESTIONS, EVENTS_LIST_ID } from './vocabulary.js';

/** Query keys the metrics API reads as the range: a parameter with one of these names cannot be sent. */
const RANGE_KEYS = new Set(['from', 'to']);

/** The URL key that holds a metric parameter. */
export const paramKey = (name: string) => `p.${name}`;

/** The slice kinds a metric can be restricted to (one at a time). */
export const SLICES = ['segment', 'stage', 'channel', 'cohort'] as const;
export type SliceKind = (typeof SLICES)[number];

/** The parameters of `info` as the API wants them, from the URL (left out: not set, so the default applies). */
export function paramsFromUrl(info: MetricInfo | undefined, search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of info?.parameters ?? []) {
    const v = search.get(paramKey(p.name));
    if (v !== null && v !== '' && !RANGE_KEYS.has(p.name)) out[p.name] = v;
  }
  return out;
}

/** The lifecycle stages (for stage parameters and the stage slice). */
export function useStages(): Array<{ key: string; name: string }> {
  const q = useApi('/api/lifecycle/model', undefined, { staleTime: 60_000 });
  const m = q.data?.model;
  if (!m) return [];
  return [...(m.stages ?? []), ...(m.atRisk ? [m.atRisk] : []), ...(m.churned ? [m.churned] : [])].map((s) => ({ key: s.key, name: s.name }));
}

/** The metric picker: every catalogue metric, grouped by its family. */
export function MetricPicker({ metrics, value }: { metrics: MetricInfo[]; value: string }) {
  const groups = [...new Set(metrics.map((m) => m.group))];
  return (
    <Field label="Metric" className="ana-metric-field">
      <select
        aria-label="Metric"
        value={value}
        onChange={(e) => {
          // Parameters belong to the old metric: drop them.
          const drop: Record<string, undefined> = {};
          for (const k of new URLSearchParams(window.location.search).keys()) if (k.startsWith('p.')) drop[k] = undefined;
          setSearch({ ...drop, metric: e.target.value });
        }}
      >
        {groups.map((g) => (
          <optgroup key={g} label={g[0]!.toUpperCase() + g.slice(1)}>
            {metrics
              .filter((m) => m.group === g)
              .map((m) => (
                <option key={m.name} value={m.name}>
                  {m.title}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
    </Field>
  );
}

/** One input per catalogue parameter of the metric, typed by the parameter's type. */
export function ParameterInputs({ info, search, error }: { info: MetricInfo; search: URLSearchParams; error: { field?: string; message?: string } | null }) {
  const stages = useStages();
  if (info.parameters.length === 0) return null;
  return (
    <>
      {info.parameters.map((p) => (
        <ParameterInput key={p.name} p={p} value={search.get(paramKey(p.name)) ?? ''} stages={stages} error={error?.field === p.name ? (error.message ?? null) : null} />
      ))}
    </>
  );
}

function ParameterInput({ p, value, stages, error }: { p: MetricParameter; value: string; stages: Array<{ key: string; name: string }>; error: string | null }) {
  const label = `Parameter ${p.name}`;
  const def = p.default === null ? '' : String(p.default);
  const set = (v: string) => setSearch({ [paramKey(p.name)]: v === def ? undefined : v });
  const caption = `${p.name} — ${p.description}`;
  if (RANGE_KEYS.has(p.name)) {
    return (
      <Field label={caption}>
        <input aria-label={label} value={def} disabled title="The API reads `from` and `to` as the date range, so this parameter keeps its default" />
        <span className="muted ana-hint">Fixed at its default: the API reads “{p.name}” as the date range.</span>
      </Field>
    );
  }
  let control;
  if (p.type === 'enum' || (p.type === 'stage' && stages.length > 0)) {
    const options = p.type === 'enum' ? (p.values ?? []).map((v) => ({ key: v, name: v })) : stages;
    control = (
      <select aria-label={label} value={value || def} aria-invalid={!!error || undefined} onChange={(e) => set(e.target.value)}>
        {options.map((o) => (
          <option key={o.key} value={o.key}>
            {o.name}
          </option>
        ))}
        {value && !options.some((o) => o.key === value) ? <option value={value}>{value}</option> : null}
      </select>
    );
  } else {
    control = (
      <CommitInput
        label={label}
        type={p.type === 'number' ? 'number' : 'text'}
        step={p.type === 'number' ? 'any' : undefined}
        list={p.type === 'event' ? EVENTS_LIST_ID : undefined}
        placeholder={def || 'not set'}
        value={value}
        invalid={!!error}
        onCommit={set}
      />
    );
  }
  return (
    <Field label={caption} error={error}>
      {control}
    </Field>
  );
}

/** The optional slice: everyone, or one segment / stage / acquisition channel / sign-up cohort. */
export function SliceControl({ search, error }: { search: URLSearchParams; error: { field?: string; message?: string } | null }) {
  const kind = SLICES.find((k) => search.get(k)) ?? (search.get('slice') as SliceKind | null) ?? '';
  const value = kind ? (search.get(kind) ?? '') : '';
  const segments = useApi('/api/segments', kind === 'segment' ? {} : null, { staleTime: 60_000 });
  const stages = useStages();
  const clear = Object.fromEntries(SLICES.map((k) => [k, undefined]));
  const setValue = (v: string) => setSearch({ ...clear, slice: kind || undefined, [kind]: v || undefined });
  const err = error?.field && (SLICES as readonly string[]).includes(error.field) ? (error.message ?? null) : null;
  let control = null;
  if (kind === 'segment') {
    const list = (segments.data?.segments ?? []).filter((s) => s.scope === 'customer');
    control = (
      <select aria-label="Segment" value={value} onChange={(e) => setValue(e.target.value)}>
        <option value="">{segments.isPending ? 'Loading segments…' : 'Choose a segment'}</option>
        {list.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name} ({s.members.toLocaleString('en-US')})
          </option>
        ))}
      </select>
    );
  } else if (kind === 'stage') {
    control = (
      <select aria-label="Stage" value={value} onChange={(e) => setValue(e.target.value)}>
        <option value="">Choose a stage</option>
        {stages.map((s) => (
          <option key={s.key} value={s.key}>
            {s.name}
          </option>
        ))}
      </select>
    );
  } else if (kind === 'channel') {
    control = (
      <select aria-label="Channel" value={value} onChange={(e) => setValue(e.target.value)}>
        <option value="">Choose a channel</option>
        {CHANNEL_SUGGESTIONS.map((c) => (
          <option key={c} value={c}>
            {c.replaceAll('_', ' ')}
          </option>
        ))}
      </select>
    );
  } else if (kind === 'cohort') {
    control = <CommitInput type="month" label="Sign-up month" value={value} onCommit={setValue} invalid={!!err} />;
  }
  return (
    <>
      <Field label="Customers">
        <select aria-label="Customers" value={kind} onChange={(e) => setSearch({ ...clear, slice: e.target.value || undefined })}>
          <option value="">Everyone</option>
          <option value="segment">In a segment</option>
          <option value="stage">In a lifecycle stage</option>
          <option value="channel">Acquired through a channel</option>
          <option value="cohort">Signed up in a month</option>
        </select>
      </Field>
      {control ? (
        <Field label={kind === 'cohort' ? 'Sign-up month' : kind[0]!.toUpperCase() + kind.slice(1)} error={err}>
          {control}
        </Field>
      ) : null}
    </>
  );
}
