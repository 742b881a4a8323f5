import { useState } from 'react';
import type { RewardView } from '../../../contracts/loyalty.js';
import { useApiMutation } from '../../api/hooks.js';
import { fmtNumber } from '../../components/format.js';
import { codeLines, uploadCodes } from './codes-upload.js';

/** Add codes to a reward's pool: pasted, or read from a text/CSV file (one code a line). */
export function CodePool({ reward }: { reward: RewardView }) {
  const [text, setText] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const upload = useApiMutation((t: string) => uploadCodes(reward.id, t), {
    invalidates: ['/api/loyalty/rewards'],
    onSuccess: (r) => {
      setResult(`${fmtNumber(r.added)} code${r.added === 1 ? '' : 's'} added, ${fmtNumber(r.duplicates)} duplicate${r.duplicates === 1 ? '' : 's'} skipped.`);
      setText('');
    },
  });
  const lines = codeLines(text).length;
  return (
    <form
      className="stack loy-pool"
      aria-label={`Code pool of ${reward.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        setResult(null);
        upload.mutate(text);
      }}
    >
      <p className="muted">{reward.codesLeft === null ? 'No pool yet.' : `${fmtNumber(reward.codesLeft)} code${reward.codesLeft === 1 ? '' : 's'} left.`} Paste codes (one a line) or choose a file.</p>
      <label className="field">
        <span>Codes</span>
        <textarea aria-label="Codes, one a line" rows={5} value={text} spellCheck={false} onChange={(e) => setText(e.target.value)} />
      </label>
      <div className="row">
        <input
          type="file"
          accept=".txt,.csv,text/plain,text/csv"
          aria-label="Code file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (f) setText(await f.text());
          }}
        />
        <button type="submit" className="btn btn-primary" disabled={lines === 0 || upload.isPending}>
          Add {lines ? fmtNumber(lines) : ''} code{lines === 1 ? '' : 's'}
        </button>
      </div>
      {upload.error ? (
        <p className="form-error" role="alert">
          {upload.error.message}
        </p>
      ) : null}
      {result ? (
        <p className="form-ok" role="status">
          {result}
        </p>
      ) : null}
    </form>
  );
}
