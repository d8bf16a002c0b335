// Bar charts as inline SVG built with DOM calls (no library, nothing fetched): stacked bars (amount at risk per
// period, split by partner or type) and grouped bars (files per hour: received, processed, rejected). Every
// chart has a title and a description for assistive technology, a legend in text, and its numbers as a table
// underneath, so nothing depends on reading colours or bar heights.
import { h, s } from './dom.js';

const HEIGHT = 240;
const MARGIN = { top: 12, right: 12, bottom: 42, left: 64 };
/** Series colours come from the stylesheet (.series-0 …); past this many they repeat. */
const PALETTE = 8;

let ids = 0;

/** A round step for the value axis: 1, 2 or 5 times a power of ten, giving about four ticks. */
function niceStep(max) {
  if (max <= 0) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function compact(n) {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 1)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(n % 1e3 === 0 ? 0 : 1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/**
 * A bar chart in a <figure>.
 * - categories: [{ key, label }] along the x axis (periods, hours)
 * - series: [{ key, label }] stacked (mode 'stacked') or side by side (mode 'grouped') in each category
 * - value(categoryKey, seriesKey): a number (0 when absent)
 * - format(n): the number as text for the table and tooltips
 * - width: of the drawing in SVG units (it scales to its box; a wider one suits many categories)
 * A series may name its own colour class (`className`) where the colour means something (rejected: red).
 */
export function barChart({
  name,
  title,
  description,
  categories,
  series,
  value,
  mode = 'stacked',
  format = String,
  unit = '',
  width = 640,
}) {
  const id = `chart-${++ids}`;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = categories.map((c) =>
    mode === 'stacked'
      ? series.reduce((sum, se) => sum + (value(c.key, se.key) || 0), 0)
      : Math.max(0, ...series.map((se) => value(c.key, se.key) || 0)),
  );
  const step = niceStep(Math.max(0, ...totals));
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const y = (v) => MARGIN.top + plotH - (v / top) * plotH;
  const band = categories.length ? plotW / categories.length : plotW;
  const barW = Math.max(2, Math.min(48, band * 0.7));

  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
      class: 'chart-svg',
      preserveAspectRatio: 'xMinYMin meet',
    },
    s('title', { id: `${id}-title` }, title),
    s('desc', { id: `${id}-desc` }, description),
  );
  const axis = s('g', { class: 'axis' });
  for (let v = 0; v <= top + step / 2; v += step) {
    axis.append(
      s('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: MARGIN.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, compact(v)),
    );
  }
  svg.append(axis);
  // Label every category when they fit, else about twelve of them evenly.
  const labelEvery = Math.max(1, Math.ceil(categories.length / 12));
  const bars = s('g', { class: 'bars' });
  categories.forEach((c, i) => {
    const x0 = MARGIN.left + i * band + (band - barW) / 2;
    if (i % labelEvery === 0) {
      bars.append(
        s(
          'text',
          { x: x0 + barW / 2, y: HEIGHT - MARGIN.bottom + 16, 'text-anchor': 'middle', class: 'tick' },
          c.label,
        ),
      );
    }
    let base = 0;
    series.forEach((se, j) => {
      const v = value(c.key, se.key) || 0;
      if (v <= 0) return;
      const x = mode === 'stacked' ? x0 : x0 + (barW / series.length) * j;
      const w = mode === 'stacked' ? barW : Math.max(1, barW / series.length - 1);
      const from = mode === 'stacked' ? base : 0;
      const rect = s(
        'rect',
        {
          x,
          y: y(from + v),
          width: w,
          height: Math.max(1, y(from) - y(from + v)),
          class: `bar ${se.className ?? `series-${j % PALETTE}`}`,
          'data-category': c.key,
          'data-series': se.key,
        },
        s('title', {}, `${c.label} · ${se.label}: ${format(v)}${unit ? ` ${unit}` : ''}`),
      );
      bars.append(rect);
      if (mode === 'stacked') base += v;
    });
  });
  svg.append(bars);
  svg.append(
    s('line', {
      x1: MARGIN.left,
      x2: width - MARGIN.right,
      y1: y(0),
      y2: y(0),
      class: 'baseline',
    }),
  );

  const legend = h(
    'ul',
    { class: 'legend', 'aria-label': `${title}: legend` },
    series.map((se, j) =>
      h(
        'li',
        {},
        h('span', { class: `swatch ${se.className ?? `series-${j % PALETTE}`}`, 'aria-hidden': 'true' }),
        se.label,
      ),
    ),
  );

  const rows = [];
  for (const c of categories) {
    for (const se of series) {
      const v = value(c.key, se.key) || 0;
      if (v !== 0 || mode === 'grouped') rows.push([c.label, se.label, format(v)]);
    }
  }
  const fallback = h(
    'details',
    { class: 'chart-table' },
    h('summary', {}, `${title}: the numbers as a table`),
    h(
      'table',
      { class: 'data' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Period'),
          h('th', { scope: 'col' }, 'Series'),
          h('th', { scope: 'col', class: 'num' }, unit ? `Value (${unit})` : 'Value'),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map(([a, b, v]) => h('tr', {}, h('td', {}, a), h('td', {}, b), h('td', { class: 'num' }, v))),
      ),
    ),
  );

  return h(
    'figure',
    { class: 'chart', 'data-chart': name },
    h('figcaption', {}, title),
    categories.length === 0 ? h('p', { class: 'muted' }, 'Nothing to chart for this filter.') : [svg, legend],
    fallback,
  );
}
