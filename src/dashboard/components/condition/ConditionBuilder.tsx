import { useState } from 'react';
import { FieldErrorContext, useOptions } from './fields.js';
import { LeafFields } from './LeafRow.js';
import { LEAF_KINDS, leafFromDraft, newDraft, type LeafDraft, type LeafKind } from './leaf-drafts.js';
import { newId, type BuilderNode, type GroupNode, type Problems } from './model.js';

/**
 * The visual condition builder: a root group (all / any), nested groups that can be
 * negated, condition rows chosen from a menu, and JSON rows for what has no form. Each
 * row shows its own problem as you type.
 */
export function ConditionBuilder({ root, problems, onChange }: { root: GroupNode; problems: Problems; onChange: (g: GroupNode) => void }) {
  return <GroupEditor node={root} label="Conditions" isRoot problems={problems} onChange={(n) => onChange(n as GroupNode)} />;
}

function GroupEditor({
  node,
  label,
  isRoot,
  problems,
  onChange,
  onRemove,
}: {
  node: GroupNode;
  label: string;
  isRoot?: boolean;
  problems: Problems;
  onChange: (n: BuilderNode) => void;
  onRemove?: () => void;
}) {
  const set = (patch: Partial<GroupNode>) => onChange({ ...node, ...patch });
  const setChild = (i: number, c: BuilderNode) => set({ children: node.children.map((x, j) => (j === i ? c : x)) });
  const removeChild = (i: number) => set({ children: node.children.filter((_, j) => j !== i) });
  const problem = problems.get(node.id);
  const prefix = isRoot ? '' : `${label.replace(/^Group /, '')}.`;
  return (
    <div className={`seg-group${isRoot ? ' seg-group-root' : ''}${node.negate ? ' seg-group-not' : ''}`} role="group" aria-label={label}>
      <div className="seg-group-head">
        {node.negate ? <strong className="seg-not">NOT</strong> : null}
        <span>Match</span>
        <div className="seg-toggle" role="radiogroup" aria-label={`${label}: match`}>
          {(['all', 'any'] as const).map((m) => (
            <button key={m} type="button" role="radio" aria-checked={node.mode === m} className={node.mode === m ? 'active' : ''} onClick={() => set({ mode: m })}>
              {m === 'all' ? 'all' : 'any'}
            </button>
          ))}
        </div>
        <span>of these</span>
        <span className="spacer" />
        <label className="seg-check">
          <input type="checkbox" checked={node.negate} onChange={(e) => set({ negate: e.target.checked })} />
          Negate (not)
        </label>
        {onRemove ? (
          <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${label.toLowerCase()}`} onClick={onRemove}>
            ✕
          </button>
        ) : null}
      </div>
      {node.children.map((c, i) => {
        const childLabel = `${prefix}${i + 1}`;
        const joiner = i > 0 ? <div className="seg-joiner">{node.mode === 'all' ? 'and' : 'or'}</div> : null;
        if (c.type === 'group')
          return (
            <div key={c.id}>
              {joiner}
              <GroupEditor node={c} label={`Group ${childLabel}`} problems={problems} onChange={(n) => setChild(i, n)} onRemove={() => removeChild(i)} />
            </div>
          );
        const fieldError = c.type === 'leaf' && problems.has(c.id) ? leafProblem(c.draft) : null;
        return (
          <div key={c.id}>
            {joiner}
            <div className={`seg-row${problems.has(c.id) ? ' seg-row-bad' : ''}`} role="group" aria-label={`Condition ${childLabel}`}>
              <div className="seg-row-body">
                {c.type === 'leaf' ? (
                  <FieldErrorContext.Provider value={fieldError}>
                    <LeafFields rowId={c.id} draft={c.draft} onChange={(draft) => setChild(i, { ...c, draft })} />
                  </FieldErrorContext.Provider>
                ) : (
                  <label className="field">
                    <span>Condition as JSON (the builder has no form for this part; it is kept as written)</span>
                    <textarea rows={Math.min(12, c.text.split('\n').length + 1)} value={c.text} onChange={(e) => setChild(i, { ...c, text: e.target.value })} />
                  </label>
                )}
                {problems.get(c.id) && !fieldError ? <p className="seg-row-error">{problems.get(c.id)}</p> : null}
              </div>
              <button type="button" className="btn btn-small btn-ghost seg-remove" aria-label={`Remove condition ${childLabel}`} onClick={() => removeChild(i)}>
                ✕
              </button>
            </div>
          </div>
        );
      })}
      {problem ? <p className="seg-row-error">{problem}</p> : null}
      <div className="row seg-group-actions">
        <AddMenu
          label={isRoot ? 'Add condition' : `Add condition to group ${label.replace(/^Group /, '')}`}
          onAdd={(k) => set({ children: [...node.children, { id: newId(), type: 'leaf', draft: newDraft(k) }] })}
        />
        <button
          type="button"
          className="btn btn-small"
          aria-label={isRoot ? 'Add group' : `Add group to group ${label.replace(/^Group /, '')}`}
          onClick={() => set({ children: [...node.children, { id: newId(), type: 'group', mode: node.mode === 'all' ? 'any' : 'all', negate: false, children: [] }] })}
        >
          + Group
        </button>
      </div>
    </div>
  );
}

/** A button opening the menu of condition kinds. */
function AddMenu({ label, onAdd }: { label: string; onAdd: (k: LeafKind) => void }) {
  const [open, setOpen] = useState(false);
  const { hideKinds } = useOptions();
  return (
    <div className="seg-menu-wrap">
      <button type="button" className="btn btn-small" aria-haspopup="menu" aria-expanded={open} aria-label={label} onClick={() => setOpen(!open)}>
        + Condition
      </button>
      {open ? (
        <div className="seg-menu" role="menu" aria-label="Condition kinds" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          {LEAF_KINDS.filter((k) => !hideKinds?.includes(k.kind)).map((k) => (
            <button
              key={k.kind}
              type="button"
              role="menuitem"
              onClick={() => {
                onAdd(k.kind);
                setOpen(false);
              }}
            >
              {k.label}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** A row's problem placed on its field (null when it concerns the row as a whole: it is then shown under the row). */
function leafProblem(d: LeafDraft): { field: string; message: string } | null {
  const r = leafFromDraft(d);
  return 'error' in r && r.field ? { field: r.field, message: r.error } : null;
}
