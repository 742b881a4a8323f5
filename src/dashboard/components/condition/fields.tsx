import { Children, cloneElement, createContext, isValidElement, useContext, useId, type ReactElement, type ReactNode } from 'react';
import type { CompareOp } from '../../../contracts/condition.js';
import { newTest, type DurationDraft, type LeafKind, type TestDraft, type Unit, type WindowDraft } from './leaf-drafts.js';

/** What the builder's selects and suggestions offer, all read from the API. */
export interface BuilderOptions {
  stages: Array<{ key: string; name: string }>;
  segments: Array<{ id: string; name: string }>;
  events: string[];
  scores: string[];
  /** The segment being edited (it cannot contain itself). */
  selfId?: string;
  /** Condition kinds the menu does not offer here (a lifecycle model's rules cannot test the stage). */
  hideKinds?: LeafKind[];
}
export const OptionsContext = createContext<BuilderOptions>({ stages: [], segments: [], events: [], scores: [] });
/** The builder's options. */
export const useOptions = () => useContext(OptionsContext);

/** Comparison operators in words. */
export const COMPARE_OPS: Array<{ op: CompareOp; label: string }> = [
  { op: 'gte', label: 'at least' },
  { op: 'gt', label: 'more than' },
  { op: 'eq', label: 'exactly' },
  { op: 'neq', label: 'not exactly' },
  { op: 'lte', label: 'at most' },
  { op: 'lt', label: 'fewer than' },
];
const UNITS: Unit[] = ['minutes', 'hours', 'days', 'weeks'];

/** The problem of the row being rendered and the field it concerns (see `leafFromDraft`). */
export const FieldErrorContext = createContext<{ field: string; message: string } | null>(null);

/**
 * A small labelled control inside a row: the label points at its first child by id (not by
 * wrapping it, so a select's current option does not become part of its accessible name).
 * A control `name`d as the row's problem field is marked invalid and shows the problem under it.
 */
export function F({ label, children, grow, name }: { label: string; children: ReactNode; grow?: boolean; name?: string }) {
  const id = useId();
  const err = useContext(FieldErrorContext);
  const bad = name !== undefined && err?.field === name ? err.message : null;
  let first = true;
  const kids = Children.map(children, (c) => {
    if (first && isValidElement<{ id?: string }>(c)) {
      first = false;
      return cloneElement(c as ReactElement<Record<string, unknown>>, { id, 'aria-invalid': bad ? true : undefined, 'aria-describedby': bad ? `${id}-err` : undefined });
    }
    return c;
  });
  return (
    <div className={`seg-f${grow ? ' seg-f-grow' : ''}${bad ? ' seg-f-bad' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {kids}
      {bad ? (
        <span className="seg-field-error" id={`${id}-err`}>
          {bad}
        </span>
      ) : null}
    </div>
  );
}

/** A comparison operator select. */
export function OpSelect({ label, value, onChange }: { label: string; value: CompareOp; onChange: (v: CompareOp) => void }) {
  return (
    <F label={label}>
      <select value={value} onChange={(e) => onChange(e.target.value as CompareOp)}>
        {COMPARE_OPS.map((o) => (
          <option key={o.op} value={o.op}>
            {o.label}
          </option>
        ))}
      </select>
    </F>
  );
}

/** An event name with suggestions from the workspace (free text is fine). */
export function EventInput({ rowId, value, onChange }: { rowId: string; value: string; onChange: (v: string) => void }) {
  const { events } = useOptions();
  return (
    <F label="Event name" grow name="event">
      <input list={`${rowId}-events`} value={value} placeholder="e.g. Order Completed" onChange={(e) => onChange(e.target.value)} />
      <datalist id={`${rowId}-events`}>
        {events.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
    </F>
  );
}

/** An amount and unit. */
export function DurationInput({ label, value, onChange, name }: { label: string; value: DurationDraft; onChange: (d: DurationDraft) => void; name?: string }) {
  return (
    <>
      <F label={label} name={name}>
        <input className="seg-num" inputMode="numeric" value={value.amount} onChange={(e) => onChange({ ...value, amount: e.target.value })} />
      </F>
      <F label="Unit">
        <select value={value.unit} onChange={(e) => onChange({ ...value, unit: e.target.value as Unit })}>
          {UNITS.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </F>
    </>
  );
}

/** Ever / within the last N / between two dates / between two exact moments. */
export function WindowInput({ value, onChange }: { value: WindowDraft; onChange: (w: WindowDraft) => void }) {
  const setMode = (mode: WindowDraft['mode']) => {
    // Carry the range across: a day becomes its UTC midnight, a moment its day.
    if (mode === 'betweenTimes' && value.mode === 'between') onChange({ ...value, mode, from: value.from ? `${value.from}T00:00:00Z` : '', to: value.to ? `${value.to}T00:00:00Z` : '' });
    else if (mode === 'between' && value.mode === 'betweenTimes') onChange({ ...value, mode, from: value.from.slice(0, 10), to: value.to.slice(0, 10) });
    else onChange({ ...value, mode });
  };
  return (
    <>
      <F label="Window">
        <select value={value.mode} onChange={(e) => setMode(e.target.value as WindowDraft['mode'])}>
          <option value="ever">ever</option>
          <option value="within">within the last</option>
          <option value="between">between dates</option>
          <option value="betweenTimes">between exact times</option>
        </select>
      </F>
      {value.mode === 'within' ? <DurationInput label="Window length" name="window" value={value.within} onChange={(within) => onChange({ ...value, within })} /> : null}
      {value.mode === 'between' ? (
        <>
          <F label="From" name="window">
            <input type="date" value={value.from} onChange={(e) => onChange({ ...value, from: e.target.value })} />
          </F>
          <F label="Until (not included)">
            <input type="date" value={value.to} onChange={(e) => onChange({ ...value, to: e.target.value })} />
          </F>
        </>
      ) : null}
      {value.mode === 'betweenTimes' ? (
        <>
          <F label="From (ISO 8601)" name="window">
            <input value={value.from} placeholder="2026-01-01T09:00:00Z" onChange={(e) => onChange({ ...value, from: e.target.value })} />
          </F>
          <F label="Until, not included (ISO 8601)">
            <input value={value.to} placeholder="2026-02-01T09:00:00Z" onChange={(e) => onChange({ ...value, to: e.target.value })} />
          </F>
        </>
      ) : null}
    </>
  );
}

const TEST_OPS: Array<{ op: TestDraft['op']; label: string }> = [
  { op: 'eq', label: 'equals' },
  { op: 'neq', label: 'does not equal' },
  { op: 'gt', label: '>' },
  { op: 'gte', label: '≥' },
  { op: 'lt', label: '<' },
  { op: 'lte', label: '≤' },
  { op: 'contains', label: 'contains' },
  { op: 'exists', label: 'is set' },
  { op: 'not_exists', label: 'is not set' },
];

/** One value test: a trait or an event property, an operator and a value. */
export function TestInput({ pathLabel, value, onChange, prefix = '' }: { pathLabel: string; value: TestDraft; onChange: (t: TestDraft) => void; prefix?: string }) {
  const hasValue = value.op !== 'exists' && value.op !== 'not_exists';
  const typed = value.op === 'eq' || value.op === 'neq';
  return (
    <>
      <F label={pathLabel} grow name={`${prefix}path`}>
        <input value={value.path} placeholder="e.g. plan" onChange={(e) => onChange({ ...value, path: e.target.value })} />
      </F>
      <F label="Test">
        <select value={value.op} onChange={(e) => onChange({ ...value, op: e.target.value as TestDraft['op'] })}>
          {TEST_OPS.map((o) => (
            <option key={o.op} value={o.op}>
              {o.label}
            </option>
          ))}
        </select>
      </F>
      {typed ? (
        <F label="Type">
          <select value={value.kind} onChange={(e) => onChange({ ...value, kind: e.target.value as TestDraft['kind'], value: e.target.value === 'boolean' ? 'true' : value.value })}>
            <option value="text">text</option>
            <option value="number">number</option>
            <option value="boolean">true/false</option>
          </select>
        </F>
      ) : null}
      {hasValue ? (
        typed && value.kind === 'boolean' ? (
          <F label="Value" name={`${prefix}value`}>
            <select value={value.value} onChange={(e) => onChange({ ...value, value: e.target.value })}>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          </F>
        ) : (
          <F label="Value" grow name={`${prefix}value`}>
            <input
              value={value.value}
              inputMode={typed && value.kind === 'text' ? 'text' : typed ? 'decimal' : value.op === 'contains' ? 'text' : 'decimal'}
              onChange={(e) => onChange({ ...value, value: e.target.value })}
            />
          </F>
        )
      ) : null}
    </>
  );
}

/** Optional property filters of an event ("where …"). */
export function WhereInput({ value, onChange }: { value: TestDraft[]; onChange: (w: TestDraft[]) => void }) {
  return (
    <div className="seg-where">
      {value.map((t, i) => (
        <div className="seg-fields" key={i} role="group" aria-label={`Property filter ${i + 1}`}>
          <span className="seg-where-word">where</span>
          <TestInput pathLabel="Property" prefix={`where.${i}.`} value={t} onChange={(nt) => onChange(value.map((x, j) => (j === i ? nt : x)))} />
          <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove property filter ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange([...value, newTest()])}>
        + Property filter
      </button>
    </div>
  );
}
