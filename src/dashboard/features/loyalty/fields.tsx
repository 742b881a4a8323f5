import type { ReactNode } from 'react';

/** The problems the editor shows next to a field: the draft's path → a message. */
export type Errors = Record<string, string>;

/** The field's problem as the list the journey fields take. */
export const errs = (errors: Errors, path: string): string[] => (errors[path] ? [errors[path]!] : []);

/** A labelled checkbox on one line. */
export function Check({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: ReactNode }) {
  return (
    <label className="loy-check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}
      {hint ? <small className="muted"> {hint}</small> : null}
    </label>
  );
}
