import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { Empty, ErrorNote, Loading } from './states.js';

type EChartsModule = typeof import('./echarts.js');
let loading: Promise<EChartsModule> | null = null;
/** ECharts comes in its own chunk, fetched the first time a chart is drawn. */
function loadECharts(): Promise<EChartsModule> {
  loading ??= import('./echarts.js');
  return loading;
}

/** The dashboard's palette, in the order series take it. */
export const PALETTE = ['#4f46e5', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#14b8a6', '#f97316', '#64748b', '#ec4899'];

export interface ChartProps {
  /** The ECharts option; null while its data loads. */
  option: EChartsCoreOption | null;
  height?: number;
  /** Show the empty state with this title instead of an empty chart. */
  empty?: string | false;
  emptyHint?: string;
  error?: unknown;
  loading?: boolean;
  /** Accessible description of what the chart shows. */
  label: string;
  onClick?: (params: { name?: string; data?: unknown; seriesName?: string; dataIndex?: number; value?: unknown }) => void;
}

/**
 * An ECharts chart with the three states every chart has: loading, empty (a sentence, not
 * blank axes) and an API error in words. Resizes with its container.
 */
export function Chart({ option, height = 280, empty, emptyHint, error, loading: isLoading, label, onClick }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<EChartsModule['echarts']['init']> | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const show = !error && !isLoading && !empty && option !== null;

  useEffect(() => {
    if (!show || !el.current) return;
    let disposed = false;
    let ro: ResizeObserver | null = null;
    loadECharts().then(
      ({ echarts }) => {
        if (disposed || !el.current) return;
        // The element is new after a loading or empty state: the old instance draws into a detached node.
        if (chart.current && chart.current.getDom() !== el.current) {
          chart.current.dispose();
          chart.current = null;
        }
        const c = chart.current ?? echarts.init(el.current, undefined, { renderer: 'canvas' });
        chart.current = c;
        c.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, animationDuration: 300, ...option }, true);
        c.off('click');
        c.on('click', (p: unknown) => clickRef.current?.(p as never));
        ro = new ResizeObserver(() => c.resize());
        ro.observe(el.current);
      },
      (err: unknown) => setFailed(err),
    );
    return () => {
      disposed = true;
      ro?.disconnect();
    };
  }, [show, option]);

  useEffect(
    () => () => {
      chart.current?.dispose();
      chart.current = null;
    },
    [],
  );

  if (error) return <ErrorNote error={error} height={height} />;
  if (failed) return <ErrorNote error={{ message: 'The chart library did not load. Reload the page to try again.' }} height={height} />;
  if (isLoading || option === null) return <Loading height={height} label="Loading chart…" />;
  if (empty)
    return (
      <Empty title={empty} height={height}>
        {emptyHint}
      </Empty>
    );
  return <div ref={el} className="chart" style={{ height }} role="img" aria-label={label} />;
}
