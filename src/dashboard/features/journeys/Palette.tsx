import type { StepType } from '../../../contracts/journey.js';
import { STEP_TYPES } from './model.js';

/** The step palette: adds a step of a type at the chosen way out of a node. */
export function Palette({ where, onAdd }: { where: string | null; onAdd: (t: StepType) => void }) {
  return (
    <section className="jny-palette" aria-label="Add a step">
      <div className="jny-palette-head">
        <strong>Add a step</strong>
        <span className="muted">{where ? `after ${where}` : 'select a node, or a + on an arrow'}</span>
      </div>
      <div className="jny-palette-grid">
        {STEP_TYPES.map((t) => (
          <button key={t.type} type="button" className="jny-palette-btn" disabled={!where} aria-label={`Add ${t.label.toLowerCase()} step`} title={t.hint} onClick={() => onAdd(t.type)}>
            <span aria-hidden="true">{t.icon}</span> {t.label}
          </button>
        ))}
      </div>
    </section>
  );
}
