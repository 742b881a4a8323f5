import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, Handle, Position, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
import type { Port } from './model.js';

/** What a canvas node shows: the trigger, or one step. */
export interface JourneyNodeData extends Record<string, unknown> {
  isTrigger: boolean;
  icon: string;
  kind: string;
  title: string;
  summary: string;
  /** Live counts from the journey's stats, one line each. */
  stats: string[];
  problems: string[];
  ports: Port[];
  stepType?: string;
}
export type JourneyNode = Node<JourneyNodeData, 'journey'>;

/** What an edge carries: its port's label and the "add a step here" action. */
export interface JourneyEdgeData extends Record<string, unknown> {
  label: string;
  fromTitle: string;
  active: boolean;
  onAdd: () => void;
}
export type JourneyEdge = Edge<JourneyEdgeData, 'journey'>;

/** A trigger or step box with one target handle on top and a source handle per way out. */
export function JourneyNodeView({ data, selected }: NodeProps<JourneyNode>) {
  const n = data.ports.length;
  return (
    <div
      className={`jny-node${data.isTrigger ? ' jny-node-trigger' : ''}${selected ? ' jny-node-selected' : ''}${data.problems.length ? ' jny-node-invalid' : ''} jny-type-${data.stepType ?? 'trigger'}`}
      data-testid={`journey-node-${data.isTrigger ? 'trigger' : data.title}`}
    >
      {data.isTrigger ? null : <Handle type="target" position={Position.Top} className="jny-handle" />}
      <div className="jny-node-head">
        <span className="jny-node-icon" aria-hidden="true">
          {data.icon}
        </span>
        <span className="jny-node-kind">{data.kind}</span>
        {data.problems.length ? (
          <span className="jny-node-problem" title={data.problems.join('\n')} aria-label={`${data.problems.length} problem${data.problems.length === 1 ? '' : 's'}`}>
            !
          </span>
        ) : null}
      </div>
      <div className="jny-node-title">{data.title}</div>
      <div className="jny-node-summary">{data.summary}</div>
      {data.problems.length ? <div className="jny-node-error">{data.problems[0]}</div> : null}
      {data.stats.length ? (
        <div className="jny-node-stats">
          {data.stats.map((s) => (
            <div key={s}>{s}</div>
          ))}
        </div>
      ) : null}
      {data.ports.map((p, i) => (
        <Handle key={p.key} id={p.key} type="source" position={Position.Bottom} className="jny-handle jny-handle-out" style={{ left: `${n === 1 ? 50 : ((i + 0.5) / n) * 100}%` }} />
      ))}
    </div>
  );
}

/** A step-to-step edge with its port label and a "+" that inserts a step on it. */
export function JourneyEdgeView(props: EdgeProps<JourneyEdge>) {
  const [path, labelX, labelY] = getSmoothStepPath({ ...props, borderRadius: 10 });
  const d = props.data;
  return (
    <>
      <BaseEdge id={props.id} path={path} markerEnd={props.markerEnd} style={props.style} />
      {d ? (
        <EdgeLabelRenderer>
          {d.label ? (
            <div className="jny-edge-label nodrag nopan" style={{ transform: `translate(-50%, 0) translate(${props.sourceX}px, ${props.sourceY + 6}px)` }}>
              <span className="jny-edge-text">{d.label}</span>
            </div>
          ) : null}
          <div className="jny-edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}>
            <button
              type="button"
              className={`jny-edge-add${d.active ? ' active' : ''}`}
              aria-label={`Add step after ${d.fromTitle}${d.label ? ` (${d.label})` : ''}`}
              title="Add a step here"
              onClick={(e) => {
                e.stopPropagation();
                d.onAdd();
              }}
            >
              +
            </button>
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}
