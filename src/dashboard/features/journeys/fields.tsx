import { useEffect, useId, useState, type ReactNode } from 'react';
import type { z } from 'zod';
import type { Duration } from '../../../contracts/condition.js';

/** Small form fields of the journey inspector; each shows the problems it is given under it. */

export function FieldErrors({ errors, id }: { errors: string[]; id?: string }) {
  if (!errors.length) return null;
  return (
    <span className="jny-field-error" id={id} role="alert">
      {errors.join('; ')}
    </span>
  );
}

/** A labelled text (or number/time) input. */
export function TextField({
  label,
  value,
  onChange,
  errors = [],
  type = 'text',
  placeholder,
  list,
  hint,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  errors?: string[];
  type?: string;
  placeholder?: string;
  list?: string;
  hint?: ReactNode;
}) {
  const id = useId();
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type={type}
        aria-label={label}
        value={value}
        placeholder={placeholder}
        list={list}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length ? id : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {hint ? <small className="muted">{hint}</small> : null}
      <FieldErrors errors={errors} id={id} />
    </label>
  );
}

/** A labelled select. */
export function SelectField({
  label,
  value,
  onChange,
  options,
  errors = [],
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: Array<{ value: string; label: string }>;
  errors?: string[];
}) {
  const id = useId();
  return (
    <label className="field">
      <span>{label}</span>
      <select aria-label={label} value={value} aria-invalid={errors.length > 0} aria-describedby={errors.length ? id : undefined} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldErrors errors={errors} id={id} />
    </label>
  );
}

/** A number typed as text: a number when it reads as one, else the text (which validation then flags). */
export function numberOrText(v: string): number {
  const n = Number(v);
  return (v.trim() !== '' && Number.isFinite(n) ? n : v) as number;
}

/** An amount and a unit. */
export function DurationField({ label, value, onChange, errors = [] }: { label: string; value: Duration; onChange: (d: Duration) => void; errors?: string[] }) {
  const id = useId();
  const amountOk = Number.isInteger(value?.amount) && value.amount > 0;
  const shown = [...(amountOk ? [] : ['enter a whole number of at least 1']), ...errors.filter((e) => !e.startsWith('enter a whole number'))];
  return (
    <fieldset className="jny-duration">
      <legend>{label}</legend>
      <div className="row">
        <input
          type="number"
          min={1}
          step={1}
          aria-label={`${label} amount`}
          value={String(value?.amount ?? '')}
          aria-invalid={shown.length > 0}
          aria-describedby={shown.length ? id : undefined}
          onChange={(e) => onChange({ ...value, amount: numberOrText(e.target.value) })}
        />
        <select aria-label={`${label} unit`} value={value?.unit ?? 'days'} onChange={(e) => onChange({ ...value, unit: e.target.value as Duration['unit'] })}>
          {(['minutes', 'hours', 'days', 'weeks'] as const).map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </div>
      <FieldErrors errors={shown} id={id} />
    </fieldset>
  );
}

/**
 * JSON in a textarea, checked against a zod schema as it is typed. Valid JSON is handed
 * on (the schema's problems are shown); text that is not JSON stays here and `onPending`
 * tells the editor it cannot save yet.
 */
export function JsonField<T>({
  label,
  value,
  schema,
  onChange,
  onPending,
  optional,
  rows = 6,
  hint,
}: {
  label: string;
  value: T | undefined;
  schema: z.ZodType<T>;
  onChange: (v: T | undefined) => void;
  onPending?: (bad: boolean) => void;
  optional?: boolean;
  rows?: number;
  hint?: ReactNode;
}) {
  const id = useId();
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [parseError, setParseError] = useState<string | null>(null);
  // Another node selected, or the value replaced from outside: show it.
  const outside = value === undefined ? '' : JSON.stringify(value);
  useEffect(() => {
    setText((t) => {
      try {
        if (t.trim() !== '' && JSON.stringify(JSON.parse(t)) === outside) return t;
      } catch {
        /* the text was not JSON: replace it */
      }
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    });
    setParseError(null);
    onPending?.(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outside]);
  const issues = value === undefined ? [] : (schema.safeParse(value).error?.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`) ?? []);
  const errors = parseError ? [parseError] : issues;
  return (
    <label className="field">
      <span>{label}</span>
      <textarea
        rows={rows}
        value={text}
        spellCheck={false}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length ? id : undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '' && optional) {
            setParseError(null);
            onPending?.(false);
            onChange(undefined);
            return;
          }
          try {
            const v = JSON.parse(t) as T;
            setParseError(null);
            onPending?.(false);
            onChange(v);
          } catch (err) {
            setParseError(`Not valid JSON yet: ${(err as Error).message}`);
            onPending?.(true);
          }
        }}
      />
      {hint ? <small className="muted">{hint}</small> : null}
      <FieldErrors errors={errors} id={id} />
    </label>
  );
}
