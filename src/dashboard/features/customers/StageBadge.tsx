import { stageColor } from '../../components/stages.js';

/** A lifecycle stage as a coloured badge; `name` is the model's label when known. */
export function StageBadge({ stage, name }: { stage: string | null; name?: string }) {
  if (!stage) return <span className="badge cust-stage cust-stage-none">No stage yet</span>;
  const color = stageColor(stage);
  return (
    <span className="badge cust-stage" data-stage={stage} style={{ background: `${color}22`, color: '#0f172a', boxShadow: `inset 0 0 0 1px ${color}66` }}>
      <span className="dot" style={{ background: color }} aria-hidden="true" />
      {name ?? stage}
    </span>
  );
}
