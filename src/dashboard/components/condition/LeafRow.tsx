import type { CompareOp } from '../../../contracts/condition.js';
import { DurationInput, EventInput, F, OpSelect, TestInput, useOptions, WhereInput, WindowInput } from './fields.js';
import { LEAF_KINDS, newDraft, type LeafDraft, type LeafKind } from './leaf-drafts.js';

const COUNT_OPS: Array<{ op: CompareOp | ''; label: string }> = [
  { op: '', label: 'at least once' },
  { op: 'gte', label: 'at least' },
  { op: 'gt', label: 'more than' },
  { op: 'eq', label: 'exactly' },
  { op: 'neq', label: 'not exactly' },
  { op: 'lte', label: 'at most' },
  { op: 'lt', label: 'fewer than' },
];

/** The kind select of a row: changing it starts that kind afresh. */
export function KindSelect({ value, onChange }: { value: LeafKind; onChange: (k: LeafKind) => void }) {
  const { hideKinds } = useOptions();
  return (
    <F label="Condition kind">
      <select value={value} onChange={(e) => onChange(e.target.value as LeafKind)}>
        {LEAF_KINDS.filter((k) => k.kind === value || !hideKinds?.includes(k.kind)).map((k) => (
          <option key={k.kind} value={k.kind}>
            {k.label}
          </option>
        ))}
      </select>
    </F>
  );
}

/** The inputs of one condition row, by kind. */
export function LeafFields({ rowId, draft, onChange }: { rowId: string; draft: LeafDraft; onChange: (d: LeafDraft) => void }) {
  const opts = useOptions();
  const kind = <KindSelect value={draft.kind} onChange={(k) => onChange(newDraft(k))} />;
  switch (draft.kind) {
    case 'performed':
      return (
        <>
          <div className="seg-fields">
            {kind}
            <EventInput rowId={rowId} value={draft.event} onChange={(event) => onChange({ ...draft, event })} />
            <F label="How often">
              <select value={draft.countOp} onChange={(e) => onChange({ ...draft, countOp: e.target.value as CompareOp | '' })}>
                {COUNT_OPS.map((o) => (
                  <option key={o.op} value={o.op}>
                    {o.label}
                  </option>
                ))}
              </select>
            </F>
            {draft.countOp !== '' ? (
              <F label="Times" name="count">
                <input className="seg-num" inputMode="numeric" value={draft.count} onChange={(e) => onChange({ ...draft, count: e.target.value })} />
              </F>
            ) : null}
            <WindowInput value={draft.window} onChange={(window) => onChange({ ...draft, window })} />
          </div>
          <WhereInput value={draft.where} onChange={(where) => onChange({ ...draft, where })} />
        </>
      );
    case 'lastPerformed':
      return (
        <>
          <div className="seg-fields">
            {kind}
            <EventInput rowId={rowId} value={draft.event} onChange={(event) => onChange({ ...draft, event })} />
            <WithinBefore value={draft.op} onChange={(op) => onChange({ ...draft, op })} />
            <DurationInput label="Duration" name="duration" value={draft.duration} onChange={(duration) => onChange({ ...draft, duration })} />
          </div>
          <WhereInput value={draft.where} onChange={(where) => onChange({ ...draft, where })} />
        </>
      );
    case 'firstSeen':
    case 'lastSeen':
      return (
        <div className="seg-fields">
          {kind}
          <WithinBefore value={draft.op} onChange={(op) => onChange({ ...draft, op })} />
          <DurationInput label="Duration" name="duration" value={draft.duration} onChange={(duration) => onChange({ ...draft, duration })} />
        </div>
      );
    case 'aggregate':
      return (
        <>
          <div className="seg-fields">
            {kind}
            <F label="Function">
              <select value={draft.fn} onChange={(e) => onChange({ ...draft, fn: e.target.value as typeof draft.fn })}>
                <option value="sum">sum</option>
                <option value="avg">average</option>
                <option value="min">minimum</option>
                <option value="max">maximum</option>
              </select>
            </F>
            <F label="Property" name="property">
              <input value={draft.property} onChange={(e) => onChange({ ...draft, property: e.target.value })} />
            </F>
            <EventInput rowId={rowId} value={draft.event} onChange={(event) => onChange({ ...draft, event })} />
            <OpSelect label="Compare" value={draft.op} onChange={(op) => onChange({ ...draft, op })} />
            <F label="Value" name="value">
              <input className="seg-num" inputMode="decimal" value={draft.value} onChange={(e) => onChange({ ...draft, value: e.target.value })} />
            </F>
            <WindowInput value={draft.window} onChange={(window) => onChange({ ...draft, window })} />
          </div>
          <WhereInput value={draft.where} onChange={(where) => onChange({ ...draft, where })} />
        </>
      );
    case 'trait':
      return (
        <div className="seg-fields">
          {kind}
          <TestInput pathLabel="Trait" value={draft.test} onChange={(test) => onChange({ ...draft, test })} />
        </div>
      );
    case 'stage':
      return (
        <div className="seg-fields">
          {kind}
          <F label="Stage" name="key">
            <select value={draft.key} onChange={(e) => onChange({ ...draft, key: e.target.value })}>
              <option value="">Choose a stage…</option>
              {opts.stages.map((s) => (
                <option key={s.key} value={s.key}>
                  {s.name}
                </option>
              ))}
              {draft.key && !opts.stages.some((s) => s.key === draft.key) ? <option value={draft.key}>{draft.key} (not in the model)</option> : null}
            </select>
          </F>
          <label className="seg-check">
            <input type="checkbox" checked={draft.atLeastOn} onChange={(e) => onChange({ ...draft, atLeastOn: e.target.checked })} />
            for at least
          </label>
          {draft.atLeastOn ? <DurationInput label="Time in stage" name="atLeast" value={draft.atLeast} onChange={(atLeast) => onChange({ ...draft, atLeast })} /> : null}
        </div>
      );
    case 'inSegment':
      return (
        <div className="seg-fields">
          {kind}
          <F label="Segment" grow name="id">
            <select value={draft.id} onChange={(e) => onChange({ ...draft, id: e.target.value })}>
              <option value="">Choose a segment…</option>
              {draft.id && !opts.segments.some((s) => s.id === draft.id) ? <option value={draft.id}>{draft.id} (deleted segment)</option> : null}
              {opts.segments
                .filter((s) => s.id !== opts.selfId)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              {draft.id && !opts.segments.some((s) => s.id === draft.id) ? <option value={draft.id}>{draft.id} (unknown)</option> : null}
            </select>
          </F>
        </div>
      );
    case 'score':
      return (
        <div className="seg-fields">
          {kind}
          <F label="Score name" name="name">
            <input list={`${rowId}-scores`} value={draft.name} onChange={(e) => onChange({ ...draft, name: e.target.value })} />
            <datalist id={`${rowId}-scores`}>
              {opts.scores.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          </F>
          <OpSelect label="Compare" value={draft.op} onChange={(op) => onChange({ ...draft, op })} />
          <F label="Value" name="value">
            <input className="seg-num" inputMode="decimal" value={draft.value} onChange={(e) => onChange({ ...draft, value: e.target.value })} />
          </F>
        </div>
      );
    case 'acquisition':
      return (
        <div className="seg-fields">
          {kind}
          <F label="Channel" name="channel">
            <input value={draft.channel} placeholder="e.g. paid_search" onChange={(e) => onChange({ ...draft, channel: e.target.value })} />
          </F>
          <F label="Source" name="source">
            <input value={draft.source} onChange={(e) => onChange({ ...draft, source: e.target.value })} />
          </F>
          <F label="Campaign" name="campaign">
            <input value={draft.campaign} onChange={(e) => onChange({ ...draft, campaign: e.target.value })} />
          </F>
        </div>
      );
  }
}

function WithinBefore({ value, onChange }: { value: 'within' | 'before'; onChange: (v: 'within' | 'before') => void }) {
  return (
    <F label="When">
      <select value={value} onChange={(e) => onChange(e.target.value as 'within' | 'before')}>
        <option value="within">within the last</option>
        <option value="before">more than … ago</option>
      </select>
    </F>
  );
}
