import { useId, useRef, useState } from 'react';

/** A freshly made key, shown this once, with a copy button. */
export function NewKey({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard permission: select it so Ctrl+C / ⌘C copies it.
      input.current?.select();
      setCopied('Select-all done: press Ctrl+C (⌘C) to copy.');
    }
  }

  return (
    <div className="set-newkey form-ok" role="status">
      <label className="field" htmlFor={id}>
        <span>{label}</span>
      </label>
      <div className="row">
        <input id={id} ref={input} className="set-keyvalue" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="btn btn-small" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={onDone}>
          I have stored it
        </button>
      </div>
      <p className="muted">This is the only time it is shown. {copied}</p>
    </div>
  );
}
