import type { Condition } from '../../../contracts/condition.js';
import { conditionText } from './conditionText.js';

/** A condition tree as nested lists: "All of" / "Any of" groups, leaves in words. */
export function ConditionView({ condition }: { condition: Condition }) {
  if ('all' in condition || 'any' in condition) {
    const all = 'all' in condition;
    const items = all ? (condition as { all: Condition[] }).all : (condition as { any: Condition[] }).any;
    if (items.length === 1) return <ConditionView condition={items[0]!} />;
    return (
      <div className="lc-group">
        <span className="lc-group-label">{all ? 'All of:' : 'Any of:'}</span>
        <ul>
          {items.map((c, i) => (
            <li key={i}>
              <ConditionView condition={c} />
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if ('not' in condition && ('all' in condition.not || 'any' in condition.not)) {
    return (
      <div className="lc-group">
        <span className="lc-group-label">None of this:</span>
        <ConditionView condition={condition.not} />
      </div>
    );
  }
  return <span>{conditionText(condition)}</span>;
}
