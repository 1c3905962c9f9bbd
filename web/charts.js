// Charts over time with uPlot (MIT), served by the gateway itself at /ui/vendor/ from its npm
// package: nothing is fetched from elsewhere. Loaded on first use; when it is missing the page
// says so and every number stays readable in the views' tables. Each chart is a figure with a
// text summary (aria-label) for screen readers; the canvas itself is decoration for them.
import { h } from './dom.js';

let loading;
/** uPlot's constructor, or null when /ui/vendor/uplot.esm.js is not served. */
export function loadUplot() {
  loading ??= import('./vendor/uplot.esm.js').then((m) => m.default, () => null);
  return loading;
}

export const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

const HEIGHT = 190;
const plots = new WeakMap();
const observer = typeof ResizeObserver === 'function'
  ? new ResizeObserver((entries) => {
    for (const e of entries) {
      const p = plots.get(e.target);
      const width = Math.floor(e.contentRect.width);
      if (p && width > 0 && Math.abs(p.width - width) > 1) p.setSize({ width, height: HEIGHT });
    }
  })
  : undefined;

/**
 * Draws (or redraws) a chart into `box`.
 * spec: { x: epoch seconds[], series: [{ label, color, values, fill? }], format: (v) → text,
 *         kind: 'line' | 'bars' | 'stacked', summary: text for screen readers, xTime: bool (default true) }
 */
export async function drawChart(box, spec) {
  const uPlot = await loadUplot();
  box.setAttribute('role', 'img');
  box.setAttribute('aria-label', spec.summary);
  if (!uPlot) {
    box.replaceChildren(h('p', { class: 'muted small' }, 'Charts are unavailable (uPlot is not installed); the numbers are in the tables.'));
    return;
  }
  plots.get(box)?.destroy();
  box.replaceChildren();
  const text = cssVar('--muted') || '#6b7380';
  const grid = cssVar('--border') || '#e2e5ea';
  const stacked = spec.kind === 'stacked';
  // Stacked bars: each series drawn at the sum of itself and those before it; the legend shows its own value.
  const raw = spec.series.map((s) => s.values);
  const drawn = stacked
    ? raw.map((_, i) => spec.x.map((_x, j) => raw.slice(0, i + 1).reduce((a, v) => a + (v[j] ?? 0), 0)))
    : raw;
  const bars = spec.kind === 'bars' || stacked ? uPlot.paths.bars({ size: [0.7, 48] }) : undefined;
  const series = spec.series.map((s, i) => ({
    label: s.label,
    stroke: s.color,
    width: bars ? 1 : 2,
    fill: bars ? s.color : s.fill ?? undefined,
    // Lines show their points when they are sparse (uPlot's default), so a single busy bucket is visible.
    // A line with gaps (percentiles of empty buckets are null) shows its points: an isolated bucket has no line to draw.
    points: s.points ? { show: true, size: 10, fill: s.color } : bars ? { show: false } : { size: 6, fill: s.color, ...(s.values.some((v) => v === null) ? { show: true } : {}) },
    ...(bars ? { paths: bars } : {}),
    value: (_u, v, _si, di) => (di === null || di === undefined ? '—' : spec.format(stacked ? raw[i][di] : v)),
  }));
  const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui, sans-serif' };
  const opts = {
    width: Math.max(200, Math.floor(box.clientWidth || 300)),
    height: HEIGHT,
    scales: { x: { time: spec.xTime !== false }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    // Drawn last first, so the tallest stacked bar does not hide the ones under it.
    series: [{ label: spec.xLabel ?? 'time', ...(spec.xFormat ? { value: (_u, v) => (v === null || v === undefined ? '—' : spec.xFormat(v)) } : {}) }, ...(stacked ? series.slice().reverse() : series)],
    axes: [
      spec.xFormat && spec.xTime !== false
        ? // Whole days: one tick per bar, thinned to about ten labels.
          { ...axis, splits: () => spec.x, values: (_u, vals) => vals.map((v, i) => (i % Math.ceil(vals.length / 10) ? '' : spec.xFormat(v))) }
        : { ...axis, ...(spec.xFormat ? { values: (_u, vals) => vals.map(spec.xFormat) } : {}) },
      { ...axis, size: 84, values: (_u, vals) => vals.map((v) => spec.format(v)) },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  const data = [spec.x, ...(stacked ? drawn.slice().reverse() : drawn)];
  if (stacked) opts.series.slice(1).forEach((s, k) => {
    const i = spec.series.length - 1 - k;
    s.value = (_u, _v, _si, di) => (di === null || di === undefined ? '—' : spec.format(raw[i][di]));
  });
  const plot = new uPlot(opts, data, box);
  plots.set(box, plot);
  observer?.observe(box);
}

/** A text summary of one series for the chart's aria-label: total (or peak) and when it peaked. */
export function summarize(name, x, values, format, { total = true } = {}) {
  let peak = -Infinity;
  let at = -1;
  let sum = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    sum += v;
    if (v > peak) [peak, at] = [v, i];
  });
  if (at < 0) return `${name}: no data`;
  const when = new Date(x[at] * 1000).toLocaleString('en-GB', { hour12: false });
  return `${name}: ${total ? 'total ' + format(sum) + ', ' : ''}peak ${format(peak)} at ${when}`;
}
