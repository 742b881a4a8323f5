import { useState } from 'react';
import type { EarnRule, ProgrammeSettings } from '../../../contracts/loyalty.js';
import { Badge, Card } from '../../components/layout.js';
import { ruleSummary } from './describe.js';
import type { Errors } from './fields.js';
import { newRule } from './programme-form.js';
import { RuleForm } from './RuleForm.js';

const KINDS: Array<{ kind: EarnRule['kind']; label: string }> = [
  { kind: 'order', label: 'Points on orders' },
  { kind: 'event', label: 'Points for an event' },
  { kind: 'birthday', label: 'Birthday points' },
];

/** The earn rules: each as a one-line summary, opened to edit; new rules by kind. */
export function EarnRulesCard({ d, set, errors, currency, timezone }: { d: ProgrammeSettings; set: (p: Partial<ProgrammeSettings>) => void; errors: Errors; currency: string; timezone?: string }) {
  const [open, setOpen] = useState<number | null>(null);
  const rules = d.earnRules;
  const setRule = (i: number, r: EarnRule) => set({ earnRules: rules.map((x, k) => (k === i ? r : x)) });
  const add = (kind: EarnRule['kind']) => {
    set({ earnRules: [...rules, newRule(kind, rules)] });
    setOpen(rules.length);
  };
  const remove = (i: number) => {
    set({ earnRules: rules.filter((_, k) => k !== i) });
    setOpen(null);
  };
  const hasError = (i: number) => Object.keys(errors).some((k) => k.startsWith(`earnRules.${i}.`) || k === `earnRules.${i}`);
  return (
    <Card
      title="Earn rules"
      actions={KINDS.map((k) => (
        <button key={k.kind} type="button" className="btn btn-small" onClick={() => add(k.kind)}>
          + {k.label}
        </button>
      ))}
    >
      {rules.length === 0 ? (
        <p className="muted">No rules: members earn nothing. Add a rule for orders, an event or birthdays.</p>
      ) : (
        <ul className="loy-rules" aria-label="Earn rules">
          {rules.map((r, i) => (
            <li key={i} className={hasError(i) ? 'loy-rule loy-rule-bad' : 'loy-rule'} data-rule={r.id}>
              <div className="loy-rule-head">
                <div>
                  <strong>{r.name || 'Unnamed rule'}</strong> <Badge tone={r.enabled === false ? 'neutral' : 'good'}>{r.kind}</Badge>
                  <div className="muted" data-testid="rule-summary">
                    {ruleSummary(r, { currency, pointsName: d.pointsName, timezone })}
                  </div>
                </div>
                <div className="row">
                  <button type="button" className="btn btn-small" aria-expanded={open === i} onClick={() => setOpen(open === i ? null : i)}>
                    {open === i ? 'Done' : 'Edit'} <span className="sr-only">{r.name}</span>
                  </button>
                  <button type="button" className="btn btn-small btn-ghost" onClick={() => remove(i)}>
                    Remove <span className="sr-only">{r.name}</span>
                  </button>
                </div>
              </div>
              {open === i || hasError(i) ? <RuleForm rule={r} set={(x) => setRule(i, x)} errors={errors} path={`earnRules.${i}`} pointsName={d.pointsName} /> : null}
            </li>
          ))}
        </ul>
      )}
      <small className="muted">Order rules read Order Completed with the order value the KPIs use; a refund takes back points pro rata with the rule the order earned under.</small>
    </Card>
  );
}
