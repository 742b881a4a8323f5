import { setSearch } from '../../router.js';
import { addDays, fmtDay } from '../../components/dates.js';
import { PRESETS, type DayRange } from './dates.js';
import { CommitInput, Field } from './shared.js';

/**
 * The date range: presets of 30 / 90 / 365 days up to today, or a custom [from, to).
 * Kept in the URL (`range`, `from`, `to`). `errors` are the server's words about from / to.
 */
export function RangeControl({ range, timezone, errors }: { range: DayRange; timezone: string | undefined; errors?: { from?: string | null; to?: string | null } }) {
  const custom = range.preset === 'custom';
  return (
    <>
      <Field label="Date range">
        <select
          aria-label="Date range"
          value={custom ? 'custom' : range.preset}
          onChange={(e) => {
            const v = e.target.value;
            // Custom starts from the range on screen, so the dates do not jump.
            if (v === 'custom') setSearch({ range: 'custom', from: range.from, to: range.to });
            else setSearch({ range: v, from: undefined, to: undefined });
          }}
        >
          {PRESETS.map((d) => (
            <option key={d} value={String(d)}>
              Last {d} days
            </option>
          ))}
          {!PRESETS.some((d) => String(d) === range.preset) && !custom ? <option value={range.preset}>Last {range.preset} days</option> : null}
          <option value="custom">Custom…</option>
        </select>
      </Field>
      {custom ? (
        <>
          <Field label="From" error={errors?.from}>
            <CommitInput type="date" label="From" value={range.from} invalid={!!errors?.from} onCommit={(v) => setSearch({ from: v })} />
          </Field>
          <Field label="To (not included)" error={errors?.to}>
            <CommitInput type="date" label="To (not included)" value={range.to} invalid={!!errors?.to} onCommit={(v) => setSearch({ to: v })} />
          </Field>
        </>
      ) : (
        <p className="muted ana-range-note" title={timezone ? `Days in ${timezone}` : undefined}>
          {fmtDay(range.from)} – {fmtDay(addDays(range.to, -1))}
          {timezone ? ` (${timezone})` : ''}
        </p>
      )}
      {!custom && (errors?.from || errors?.to) ? (
        <span className="form-error" role="alert">
          {errors.from ?? errors.to}
        </span>
      ) : null}
    </>
  );
}
