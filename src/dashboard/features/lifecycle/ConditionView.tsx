import type { Condition } from '../../../contracts/condition.js';
import type { Names } from '../../components/names.js';
import { useNames } from '../../components/useNames.js';
import { conditionText } from './conditionText.js';

/** A condition tree as nested lists: "All of" / "Any of" groups, leaves in words (segments and stages by name). */
export function ConditionView({ condition }: { condition: Condition }) {
  return <ConditionTree condition={condition} names={useNames()} />;
}

function ConditionTree({ condition, names }: { condition: Condition; names: Names }) {
  if ('all' in condition || 'any' in condition) {
    const all = 'all' in condition;
    const items = all ? (condition as { all: Condition[] }).all : (condition as { any: Condition[] }).any;
    if (items.length === 1) return <ConditionTree condition={items[0]!} names={names} />;
    return (
      <div className="lc-group">
        <span className="lc-group-label">{all ? 'All of:' : 'Any of:'}</span>
        <ul>
          {items.map((c, i) => (
            <li key={i}>
              <ConditionTree condition={c} names={names} />
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
        <ConditionTree condition={condition.not} names={names} />
      </div>
    );
  }
  return <span>{conditionText(condition, names)}</span>;
}
