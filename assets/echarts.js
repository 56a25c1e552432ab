// The ECharts of the figures pages (boards/figures.js): line and bar charts with a grid, a tooltip
// and a (scrolling) legend, drawn on a canvas; nothing else of the 1.1 MB full build.
// assets/build.mjs bundles this with esbuild into build/static/vendor/echarts/echarts-figures.min.js.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
