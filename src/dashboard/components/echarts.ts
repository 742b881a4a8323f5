/**
 * The ECharts build the dashboard uses: only the chart types and components it draws,
 * so the chunk stays small. Loaded lazily by <Chart>, never in the initial bundle.
 */
import { BarChart, FunnelChart, GaugeChart, HeatmapChart, LineChart, SankeyChart, ScatterChart, PieChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  FunnelChart,
  GaugeChart,
  HeatmapChart,
  LineChart,
  SankeyChart,
  ScatterChart,
  PieChart,
  DatasetComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export { echarts };
