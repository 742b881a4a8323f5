import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Condition } from '../../../contracts/condition.js';
import { ConditionEditor } from './ConditionEditor.js';
import { checkDraft, initialDraft, type ConditionDraft } from './draft.js';
import { stableJson } from './model.js';

/**
 * A condition editor bound to a condition value (a journey's audience or branch): every
 * complete edit is handed on; while a row is incomplete or the JSON view is invalid the
 * value stays as it was and `onPending(true)` tells the editor it cannot save yet. A value
 * replaced from outside (another journey loaded, a save answered) is shown afresh.
 */
export function ConditionField({
  label,
  value,
  onChange,
  onPending,
  optional = false,
  hint,
}: {
  label: string;
  value: Condition | undefined;
  onChange: (c: Condition | undefined) => void;
  onPending?: (bad: boolean) => void;
  optional?: boolean;
  hint?: ReactNode;
}) {
  const [draft, setDraft] = useState<ConditionDraft>(() => initialDraft(value));
  const sent = useRef(stableJson(value ?? null));
  const outside = stableJson(value ?? null);
  useEffect(() => {
    if (outside === sent.current) return;
    sent.current = outside;
    setDraft(initialDraft(value));
    onPending?.(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outside]);
  // Leaving the field (another node selected) leaves the last complete condition in place.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => () => onPending?.(false), []);
  const change = (d: ConditionDraft) => {
    setDraft(d);
    const { state } = checkDraft(d, optional);
    if (state.status === 'invalid') {
      onPending?.(true);
      return;
    }
    onPending?.(false);
    const next = state.status === 'ok' ? state.condition : undefined;
    const key = stableJson(next ?? null);
    if (key === sent.current) return;
    sent.current = key;
    onChange(next);
  };
  return <ConditionEditor label={label} value={draft} onChange={change} optional={optional} hint={hint} />;
}
