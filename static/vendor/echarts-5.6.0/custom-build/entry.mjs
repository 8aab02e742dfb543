// A custom Apache ECharts for static/js/board-charts.js: only what the board draws.
// Line and custom series, on a cartesian grid with time, value and category axes; a legend,
// tooltips and mark lines (the as-of date); the canvas renderer. The `echarts` global keeps the
// API the script calls: init, getInstanceByDom, format, time and graphic.
import * as echarts from 'echarts/core';
import { LineChart, CustomChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  MarkLineComponent
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  CustomChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  MarkLineComponent,
  CanvasRenderer
]);

window.echarts = echarts;
