import { applyNodeChanges, Background, Controls, MarkerType, ReactFlow, type Connection, type NodeChange, type ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JourneyDefinition } from '../../../contracts/journey.js';
import { fmtNumber, fmtPercent } from '../../components/format.js';
import type { Names } from '../../components/names.js';
import { goalSummary, stepSummary, triggerSummary } from './describe.js';
import { JourneyEdgeView, JourneyNodeView, type JourneyEdge, type JourneyNode } from './FlowParts.js';
import { layoutJourney } from './layout.js';
import { stepStatsLines } from './step-stats.js';
import { nodePorts, portsOf, STEP_TYPES, TRIGGER } from './model.js';
import type { JourneyStats } from './types.js';
import type { Problem } from './validate.js';

const nodeTypes = { journey: JourneyNodeView };
const FIT = { padding: 0.12, maxZoom: 1 };
const edgeTypes = { journey: JourneyEdgeView };

/** Where the palette inserts: a node's way out. */
export interface InsertPoint {
  from: string;
  port: string;
}

function triggerStats(def: JourneyDefinition, stats: JourneyStats | undefined): string[] {
  if (!stats) return [];
  const first = `${fmtNumber(stats.entered)} entered · ${fmtNumber(stats.active)} active`;
  const conv = def.goal
    ? `${fmtNumber(stats.converted)} converted (${fmtPercent(stats.entered ? stats.converted / stats.entered : null)})`
    : `${fmtNumber(stats.completed)} completed · ${fmtNumber(stats.exited)} left early`;
  return [first, conv];
}

/** The journey as a React Flow graph: the trigger on top, a node per step, edges by the steps' ways out. */
export function JourneyCanvas({
  def,
  problems,
  stats,
  names,
  selected,
  onSelect,
  insertAt,
  onInsertAt,
  onConnect,
  layoutVersion,
}: {
  def: JourneyDefinition;
  problems: Problem[];
  stats: JourneyStats | undefined;
  /** Names of the segments, stages and templates the trigger and steps refer to. */
  names: Names;
  selected: string | null;
  onSelect: (id: string | null) => void;
  insertAt: InsertPoint | null;
  onInsertAt: (p: InsertPoint) => void;
  onConnect: (from: string, port: string, to: string) => void;
  /** Bumped to throw away dragged positions and lay the graph out again. */
  layoutVersion: number;
}) {
  const dragged = useRef(new Map<string, { x: number; y: number }>());
  const [moved, setMoved] = useState<Map<string, { x: number; y: number }>>(new Map());
  const box = useRef<HTMLDivElement>(null);
  const flow = useRef<ReactFlowInstance<JourneyNode, JourneyEdge> | null>(null);
  const fit = () => void flow.current?.fitView(FIT);
  useEffect(() => {
    setMoved(new Map());
    if (layoutVersion > 0) setTimeout(fit, 50);
  }, [layoutVersion]);
  // A narrower or wider canvas (phone, resized window) fits the journey again.
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let last = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (Math.abs(el.clientWidth - last) > 20) {
        last = el.clientWidth;
        fit();
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const layout = useMemo(() => layoutJourney(def), [def]);

  const built = useMemo<JourneyNode[]>(() => {
    const errs = (id: string) => problems.filter((p) => p.nodeId === id).map((p) => p.message);
    const trigger: JourneyNode = {
      id: TRIGGER,
      type: 'journey',
      position: moved.get(TRIGGER) ?? layout.get(TRIGGER) ?? { x: 0, y: 0 },
      selected: selected === TRIGGER,
      deletable: false,
      data: {
        isTrigger: true,
        icon: '⚡',
        kind: 'Trigger',
        title: triggerSummary(def.trigger, names),
        summary: goalSummary(def) ?? 'No goal set',
        stats: triggerStats(def, stats),
        problems: errs(TRIGGER),
        ports: nodePorts(def, TRIGGER),
      },
    };
    return [
      trigger,
      ...def.steps.map((s): JourneyNode => {
        const t = STEP_TYPES.find((x) => x.type === s.type);
        return {
          id: s.id,
          type: 'journey',
          position: moved.get(s.id) ?? layout.get(s.id) ?? { x: 0, y: 0 },
          selected: selected === s.id,
          data: {
            isTrigger: false,
            icon: t?.icon ?? '•',
            kind: t?.label ?? s.type,
            title: s.name || s.id,
            summary: stepSummary(s, names),
            stats: stepStatsLines(s, stats),
            problems: errs(s.id),
            ports: portsOf(s),
            stepType: s.type,
          },
        };
      }),
    ];
  }, [def, problems, stats, names, selected, layout, moved]);

  // React Flow measures nodes; keep its measurements across rebuilds so edges do not flicker.
  const [nodes, setNodes] = useState<JourneyNode[]>(built);
  useEffect(() => setNodes((prev) => built.map((n) => ({ ...n, measured: prev.find((p) => p.id === n.id)?.measured }))), [built]);

  const edges = useMemo<JourneyEdge[]>(() => {
    const ids = new Set(def.steps.map((s) => s.id));
    const title = (id: string) => (id === TRIGGER ? 'the trigger' : id);
    const out: JourneyEdge[] = [];
    for (const from of [TRIGGER, ...def.steps.map((s) => s.id)]) {
      for (const p of nodePorts(def, from)) {
        if (!ids.has(p.target)) continue;
        const active = insertAt?.from === from && insertAt.port === p.key;
        out.push({
          id: `${from}>${p.key}`,
          source: from,
          sourceHandle: p.key,
          target: p.target,
          type: 'journey',
          markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
          style: active ? { stroke: 'var(--accent)', strokeWidth: 2 } : undefined,
          data: { label: p.label, fromTitle: title(from), active, onAdd: () => onInsertAt({ from, port: p.key }) },
        });
      }
    }
    return out;
  }, [def, insertAt, onInsertAt]);

  const onNodesChange = (changes: NodeChange<JourneyNode>[]) => {
    setNodes((ns) => applyNodeChanges(changes, ns));
    for (const c of changes) {
      if (c.type === 'position' && c.position) dragged.current.set(c.id, c.position);
      if (c.type === 'position' && c.dragging === false) {
        const pos = c.position ?? dragged.current.get(c.id);
        if (pos) setMoved((m) => new Map(m).set(c.id, pos));
      }
      if (c.type === 'select' && c.selected) onSelect(c.id);
    }
  };

  return (
    <div className="jny-canvas" role="region" aria-label="Journey canvas" ref={box}>
      <ReactFlow<JourneyNode, JourneyEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onPaneClick={() => onSelect(null)}
        onConnect={(c: Connection) => c.sourceHandle && c.target !== TRIGGER && c.source !== c.target && onConnect(c.source, c.sourceHandle, c.target)}
        isValidConnection={(c) => c.target !== TRIGGER && c.source !== c.target}
        deleteKeyCode={null}
        onInit={(i) => {
          flow.current = i;
        }}
        fitView
        fitViewOptions={FIT}
        minZoom={0.2}
        maxZoom={1.5}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
