import { useEffect, useRef, useState } from 'react';
import type { ValueTest } from '../../../contracts/condition.js';
import { FieldErrorContext, WhereInput } from './fields.js';
import { testsFromDrafts, type TestDraft } from './leaf-drafts.js';
import { testDraft } from './leaf-load.js';
import { stableJson } from './model.js';
import './condition.css';

/**
 * An event's property filters ("where …") as form rows, bound to a list of value tests (a
 * journey trigger's or goal's event match). Complete edits are handed on; while a filter is
 * incomplete its field says why and `onPending(true)` holds the save.
 */
export function WhereField({
  label,
  value,
  onChange,
  onPending,
}: {
  label: string;
  value: ValueTest[] | undefined;
  onChange: (w: ValueTest[] | undefined) => void;
  onPending?: (bad: boolean) => void;
}) {
  const [drafts, setDrafts] = useState<TestDraft[]>(() => (value ?? []).map(testDraft));
  const sent = useRef(stableJson(value ?? []));
  const outside = stableJson(value ?? []);
  useEffect(() => {
    if (outside === sent.current) return;
    sent.current = outside;
    setDrafts((value ?? []).map(testDraft));
    onPending?.(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outside]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => () => onPending?.(false), []);
  const r = testsFromDrafts(drafts);
  const problem = 'error' in r ? r : null;
  const change = (next: TestDraft[]) => {
    setDrafts(next);
    const c = testsFromDrafts(next);
    if ('error' in c) {
      onPending?.(true);
      return;
    }
    onPending?.(false);
    const key = stableJson(c.tests);
    if (key === sent.current) return;
    sent.current = key;
    onChange(c.tests.length ? c.tests : undefined);
  };
  return (
    <section className="cond-editor" aria-label={label}>
      <span className="cond-label">{label}</span>
      <FieldErrorContext.Provider value={problem?.field ? { field: problem.field, message: problem.error } : null}>
        <WhereInput value={drafts} onChange={change} />
      </FieldErrorContext.Provider>
      {problem && !problem.field ? <p className="seg-row-error">{problem.error}</p> : null}
    </section>
  );
}
