import type { LeafKind } from '../../components/condition/leaf-drafts.js';
import { ConditionEditor } from '../../components/condition/ConditionEditor.js';
import { ConditionOptions } from '../../components/condition/options.js';
import { stagesOf, type ModelForm } from './model-form.js';

/** A model's rules cannot test the lifecycle stage: that is what they decide. */
const NO_STAGE: LeafKind[] = ['stage'];

/** Each stage's entry rule in the visual condition builder (or as JSON, per rule). */
export function StageRulesForm({ form, onChange }: { form: ModelForm; onChange: (f: ModelForm) => void }) {
  const stages = stagesOf(form.base);
  const ladder = form.base.stages.length;
  return (
    <ConditionOptions hideKinds={NO_STAGE}>
      <ol className="lc-rules" aria-label="Stage rules">
        {stages.map((s, i) => (
          <li key={`${i}:${s.key}`} className="lc-rule-edit">
            <h4>
              {s.name} <span className="lc-key">{s.key}</span>
              <span className="muted lc-small">{i < ladder ? ` · ladder stage ${i + 1}` : i === ladder ? ' · overrides the ladder' : ' · overrides everything'}</span>
            </h4>
            <ConditionEditor
              label={`Entry rule of ${s.name}`}
              optional={i === 0}
              showLabel={false}
              hint={i === 0 ? 'Everyone starts here; a rule is optional.' : i < ladder ? 'Customers enter when this holds.' : 'Customers are here whenever this holds.'}
              value={form.drafts[i]!}
              onChange={(d) => onChange({ ...form, drafts: form.drafts.map((x, j) => (j === i ? d : x)) })}
            />
          </li>
        ))}
      </ol>
    </ConditionOptions>
  );
}
