// Chart.js, only the parts the dashboards draw (bars), registered once. Imported dynamically by BarChart: neither the
// phone's first screen nor the dashboard's own chunk carries it until a chart is on screen.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type ChartConfiguration } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export interface BarSpec {
  labels: string[];
  series: { label: string; values: number[]; color: string }[];
  /** Bars drawn across (the funnel), rather than up. */
  horizontal?: boolean;
  /** How a value reads on the axis and in the tooltip. */
  format: (value: number) => string;
  stacked?: boolean;
}

/** Draws the bars on `canvas`; `onBar(index)` on a click on a bar. Returns what redraws and what takes the chart down. */
export function drawBars(canvas: HTMLCanvasElement, spec: BarSpec, onBar?: (index: number) => void): { update(spec: BarSpec): void; destroy(): void } {
  const config = (s: BarSpec): ChartConfiguration<"bar"> => ({
    type: "bar",
    // Where each bar of the first series is, in CSS pixels from the canvas's corner, after every drawing (a resize
    // moves them): what a test clicks.
    plugins: [{ id: "bar-positions", afterRender: (c) => void (canvas.dataset.bars = JSON.stringify(c.getDatasetMeta(0).data.map((b) => [Math.round(b.x), Math.round(b.y)]))) }],
    data: { labels: s.labels, datasets: s.series.map((x) => ({ label: x.label, data: x.values, backgroundColor: x.color, borderRadius: 4 })) },
    options: {
      indexAxis: s.horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      // Drawn at once: the numbers are in the table beside, and tests wait on the page's state, not on an animation.
      animation: false,
      plugins: {
        legend: { display: s.series.length > 1, position: "bottom" },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ""} : ${s.format(Number(item.raw))}` } },
      },
      scales: {
        [s.horizontal ? "x" : "y"]: { beginAtZero: true, stacked: s.stacked, ticks: { callback: (v: string | number) => s.format(Number(v)) } },
        [s.horizontal ? "y" : "x"]: { stacked: s.stacked },
      },
      onClick: (_event, elements) => {
        const hit = elements[0];
        if (hit && onBar) onBar(hit.index);
      },
      onHover: (event, elements) => {
        const target = event.native?.target as HTMLElement | undefined;
        if (target && onBar) target.style.cursor = elements.length > 0 ? "pointer" : "default";
      },
    },
  });
  const chart = new Chart(canvas, config(spec));
  return {
    update(next) {
      const c = config(next);
      chart.data = c.data;
      chart.options = c.options!;
      chart.update();
    },
    destroy: () => chart.destroy(),
  };
}
