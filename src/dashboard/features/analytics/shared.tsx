import { useEffect, useState, type ReactNode } from 'react';
import type { ApiError } from '../../api/client.js';

/** The message of an API error when it names `field` (a 400 bad_parameter / bad_range), else null. */
export function fieldError(error: unknown, ...fields: string[]): string | null {
  const e = error as Partial<ApiError> | null | undefined;
  if (!e || !e.field || e.status !== 400) return null;
  return fields.includes(e.field) ? (e.message ?? null) : null;
}

/** A server error shown in words next to the control it is about. */
export function FieldError({ message, id }: { message: string | null; id?: string }) {
  if (!message) return null;
  return (
    <span className="form-error" role="alert" id={id}>
      {message}
    </span>
  );
}

/**
 * A text or number input that keeps its own draft and hands it on (to the URL) on blur or
 * Enter, so typing does not fire a request per keystroke.
 */
export function CommitInput({
  value,
  onCommit,
  label,
  type = 'text',
  list,
  placeholder,
  step,
  invalid,
  describedBy,
}: {
  value: string;
  onCommit: (v: string) => void;
  label: string;
  type?: 'text' | 'number' | 'date' | 'month';
  list?: string;
  placeholder?: string;
  step?: string;
  invalid?: boolean;
  describedBy?: string;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft !== value) onCommit(draft.trim());
  };
  return (
    <input
      aria-label={label}
      type={type}
      list={list}
      step={step}
      placeholder={placeholder}
      value={draft}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => {
        setDraft(e.target.value);
        // Pickers (date, month) commit at once: there is no typing to wait for.
        if (type === 'date' || type === 'month') onCommit(e.target.value);
      }}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

/**
 * A control with its caption and, under it, the server's words when it refused the value.
 * The control itself carries the same text as its aria-label (the error stays out of its name).
 */
export function Field({ label, children, error, className }: { label: string; children: ReactNode; error?: string | null; className?: string }) {
  return (
    <div className={`field ${className ?? ''}`}>
      <span aria-hidden="true">{label}</span>
      {children}
      <FieldError message={error ?? null} />
    </div>
  );
}
