import { useEffect, useMemo, useState } from 'react';
import { Chart } from '../../components/Chart.js';
import { fmtNumber } from '../../components/format.js';
import { stageColor } from '../../components/stages.js';
import type { FlowsView, ModelResponse } from './lifecycle-types.js';
import { buildSankey, KINDS, kindColor, type MoveKind, type SankeyLink } from './sankey.js';

const KIND_LABEL = Object.fromEntries(KINDS.map((k) => [k.kind, k.label])) as Record<MoveKind, string>;

function linkTooltip(l: SankeyLink, from: string, to: string): string {
  const parts = (Object.entries(l.byKind) as Array<[MoveKind, number]>).map(([k, n]) => `${KIND_LABEL[k]}: ${fmtNumber(n)}`);
  return `${from} → ${to}: ${fmtNumber(l.value)} moves<br/>${parts.join('<br/>')}`;
}

/**
 * Stage-to-stage moves in the range as a Sankey, links coloured by kind with a legend in
 * words. Moves back against the ladder end in "(returned)" nodes (a Sankey has no cycles)
 * and are also listed in a table beside it.
 */
/** True on phone-width screens, where the Sankey is drawn top to bottom. */
function useNarrow(): boolean {
  const query = '(max-width: 600px)';
  const [narrow, setNarrow] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const m = window.matchMedia(query);
    const on = () => setNarrow(m.matches);
    m.addEventListener('change', on);
    return () => m.removeEventListener('change', on);
  }, []);
  return narrow;
}

export function StageSankey({ model, flows, error, loading }: { model?: ModelResponse; flows?: FlowsView; error?: unknown; loading: boolean }) {
  const narrow = useNarrow();
  const built = useMemo(() => (model && flows ? buildSankey(model.model, flows) : null), [model, flows]);
  const option = useMemo(() => {
    if (!built) return null;
    const byName = new Map(built.links.map((l) => [`${l.source}>${l.target}`, l]));
    return {
      tooltip: {
        trigger: 'item',
        formatter: (p: { dataType?: string; name: string; value: number; data: { source?: string; target?: string } }) => {
          if (p.dataType === 'edge' && p.data.source && p.data.target) {
            const l = byName.get(`${p.data.source}>${p.data.target}`);
            return l ? linkTooltip(l, p.data.source, p.data.target) : '';
          }
          return `${p.name}: ${fmtNumber(p.value)} moves`;
        },
      },
      series: [
        {
          type: 'sankey',
          orient: narrow ? 'vertical' : 'horizontal',
          left: 8,
          right: narrow ? 100 : 84,
          top: 10,
          bottom: 10,
          nodeWidth: 12,
          nodeGap: 10,
          draggable: false,
          emphasis: { focus: 'adjacency' },
          label: { fontSize: 11, color: '#334155', width: narrow ? 96 : 64, overflow: 'break', lineHeight: 13 },
          data: built.nodes.map((n) => ({
            name: n.name,
            depth: n.depth,
            itemStyle: { color: stageColor(n.key), borderColor: n.returned ? '#0f172a' : stageColor(n.key), borderType: n.returned ? 'dashed' : 'solid' },
            label: narrow ? { position: 'right' } : undefined,
          })),
          links: built.links.map((l) => ({ source: l.source, target: l.target, value: l.value, lineStyle: { color: kindColor(l.kind), opacity: 0.45, curveness: 0.5 } })),
        },
      ],
    };
  }, [built, narrow]);

  const back = built?.links.filter((l) => l.returned) ?? [];
  const names = new Map(model ? [...model.model.stages, model.model.atRisk, model.model.churned].map((s) => [s.key, s.name]) : []);
  return (
    <div className="ov-sankey">
      <Chart
        option={option}
        loading={loading}
        error={error}
        empty={built !== null && built.links.length === 0 && 'No moves between stages in this range'}
        emptyHint={built && built.entered ? `${fmtNumber(built.entered)} customers entered their first stage.` : undefined}
        label="Moves between lifecycle stages (Sankey)"
        height={narrow ? 520 : 320}
      />
      {built && built.links.length > 0 ? (
        <div className="ov-sankey-side">
          <ul className="ov-legend" aria-label="Link colours">
            {KINDS.map((k) => (
              <li key={k.kind}>
                <span className="ov-swatch" style={{ background: k.color }} aria-hidden="true" />
                <span>
                  <strong>{k.label}</strong> <span className="muted">{k.hint}</span>
                </span>
                <span className="num">{fmtNumber(built.totals[k.kind])}</span>
              </li>
            ))}
            <li className="muted ov-small">{fmtNumber(built.entered)} entered their first stage (not drawn). Nodes marked “(returned)” are moves back to an earlier stage.</li>
          </ul>
          {back.length ? (
            <div className="table-wrap">
              <table aria-label="Moves back to an earlier stage">
                <thead>
                  <tr>
                    <th>Back from</th>
                    <th>To</th>
                    <th className="num">Moves</th>
                  </tr>
                </thead>
                <tbody>
                  {back.map((l) => (
                    <tr key={`${l.fromKey}>${l.toKey}`}>
                      <td>{names.get(l.fromKey) ?? l.fromKey}</td>
                      <td>
                        {names.get(l.toKey) ?? l.toKey}{' '}
                        <span className="ov-kind" style={{ color: kindColor(l.kind) }}>
                          {KIND_LABEL[l.kind].toLowerCase()}
                        </span>
                      </td>
                      <td className="num">{fmtNumber(l.value)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
