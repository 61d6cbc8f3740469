// The overview's charts: metrics over time, one series per cohort, drawn with Chart.js (loaded as
// the global Chart from /dashboard/vendor/chart.js/).
import * as format from './format.js';

export const palette = ['#7c83ff', '#38bdf8', '#34d399', '#fbbf24', '#f87171', '#c084fc', '#f472b6', '#a3e635'];
const MAX_COHORTS = palette.length;

Chart.defaults.color = '#8b94a7';
Chart.defaults.borderColor = 'rgba(35, 43, 59, 0.9)';
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.font.size = 11;
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.plugins.legend.labels.boxWidth = 10;
Chart.defaults.plugins.legend.labels.boxHeight = 10;
Chart.defaults.plugins.legend.labels.useBorderRadius = true;
Chart.defaults.plugins.legend.labels.borderRadius = 3;
Chart.defaults.plugins.tooltip.backgroundColor = '#1b2231';
Chart.defaults.plugins.tooltip.borderColor = '#2c364a';
Chart.defaults.plugins.tooltip.borderWidth = 1;
Chart.defaults.plugins.tooltip.padding = 10;

/** The cohorts to draw, busiest first, at most one per palette colour. */
export function cohorts(totals) {
  return [...totals]
    .sort((a, b) => b.requests - a.requests)
    .slice(0, MAX_COHORTS)
    .map((total, index) => ({ key: total.group, label: cohortLabel(total.group), color: palette[index] }));
}

export function cohortLabel(group) {
  return group === null || group === undefined ? 'all' : group === '' ? '(none)' : String(group);
}

/**
 * The buckets of the answer's window in order, each with its series rows by cohort key, so that a
 * bucket without traffic is a zero (counts) or a gap (percentiles), not a missing point.
 */
export function buckets(answer) {
  const size = answer.bucket_ms;
  const from = Math.floor(format.epochMillis(answer.from) / size) * size;
  const to = format.epochMillis(answer.to);
  const rows = new Map();
  for (const row of answer.series) {
    const start = row.bucket_start_ms;
    if (!rows.has(start)) rows.set(start, new Map());
    rows.get(start).set(row.group ?? null, row);
  }
  const result = [];
  for (let start = from; start < to; start += size) {
    result.push({ start, label: format.bucketLabel(start, size), rows: rows.get(start) || new Map() });
  }
  return result;
}

const count = (name) => (row) => (row ? row[name] ?? 0 : 0);
const measure = (name) => (row) => (row && row.requests > 0 ? row[name] ?? null : null);
const rate = (name) => (row) => (row && row.requests > 0 ? (row[name] ?? 0) * 100 : null);
const sum = (...names) => (row) => (row ? names.reduce((total, name) => total + (row[name] ?? 0), 0) : 0);
const sumAll = (buckets, cohortKeys, value) =>
  buckets.map((bucket) => cohortKeys.reduce((total, key) => total + value(bucket.rows.get(key)), 0));

function perCohort(buckets, cohortList, value, kind) {
  return cohortList.map((cohort) => dataset(cohort.label, cohort.color, buckets.map((b) => value(b.rows.get(cohort.key))), kind));
}

function dataset(label, color, data, kind) {
  const base = { label, data, borderColor: color, backgroundColor: color };
  if (kind === 'bar') return { ...base, type: 'bar', borderRadius: 2, maxBarThickness: 18, stack: 'all' };
  return {
    // Quiet buckets are gaps in a percentile or a rate; the line spans them and each bucket with
    // traffic is a point, so a lone bucket still shows.
    ...base, type: 'line', backgroundColor: color, borderWidth: 2, pointRadius: 2,
    pointHoverRadius: 4, tension: 0.3, spanGaps: true,
  };
}

/**
 * What each chart shows for a grouping. Ungrouped, the latency charts draw their percentiles;
 * grouped, they draw one percentile per cohort (percentiles cannot be added up across cohorts).
 */
const definitions = {
  requests: { unit: format.count, whole: true, stacked: true, data: (b, c) => perCohort(b, c, count('requests'), 'bar') },
  errors: { unit: format.count, whole: true, stacked: true, data: (b, c) => perCohort(b, c, count('errors'), 'bar') },
  cost: { unit: format.usd, stacked: true, data: (b, c) => perCohort(b, c, count('cost_usd'), 'bar') },
  tokens: {
    unit: format.count, whole: true, stacked: true,
    data: (b, c, grouped) => grouped
      ? perCohort(b, c, sum('prompt_tokens', 'completion_tokens'), 'bar')
      : [
          dataset('prompt', palette[0], sumAll(b, c.map((x) => x.key), count('prompt_tokens')), 'bar'),
          dataset('completion', palette[1], sumAll(b, c.map((x) => x.key), count('completion_tokens')), 'bar'),
        ],
  },
  latency: {
    unit: format.ms, hint: (grouped) => (grouped ? 'p95' : 'p50 · p95 · p99'),
    data: (b, c, grouped) => grouped
      ? perCohort(b, c, measure('latency_p95_ms'), 'line')
      : [
          dataset('p50', palette[2], b.map((x) => measure('latency_p50_ms')(x.rows.get(c[0]?.key))), 'line'),
          dataset('p95', palette[0], b.map((x) => measure('latency_p95_ms')(x.rows.get(c[0]?.key))), 'line'),
          dataset('p99', palette[4], b.map((x) => measure('latency_p99_ms')(x.rows.get(c[0]?.key))), 'line'),
        ],
  },
  ttft: {
    unit: format.ms, hint: (grouped) => (grouped ? 'p50, streams' : 'p50 · p99, streams'),
    data: (b, c, grouped) => grouped
      ? perCohort(b, c, measure('ttft_p50_ms'), 'line')
      : [
          dataset('p50', palette[2], b.map((x) => measure('ttft_p50_ms')(x.rows.get(c[0]?.key))), 'line'),
          dataset('p99', palette[4], b.map((x) => measure('ttft_p99_ms')(x.rows.get(c[0]?.key))), 'line'),
        ],
  },
  cache: {
    unit: (v) => `${Math.round(v)}%`, max: 100,
    data: (b, c) => perCohort(b, c, rate('cache_hit_rate'), 'line'),
  },
  fallbacks: {
    unit: format.count, whole: true, stacked: true,
    data: (b, c) => [
      dataset('fallbacks', palette[3], sumAll(b, c.map((x) => x.key), count('fallbacks')), 'bar'),
      dataset('retries', palette[1], sumAll(b, c.map((x) => x.key), count('retries')), 'bar'),
    ],
  },
};

const drawn = new Map();

/** Draws (or redraws) every chart in the figures given, from one analytics answer. */
export function render(figures, answer, grouped) {
  const timeline = buckets(answer);
  const cohortList = cohorts(answer.totals);
  const labels = timeline.map((bucket) => bucket.label);
  for (const figure of figures) {
    const name = figure.dataset.chart;
    const definition = definitions[name];
    const hint = figure.querySelector('[data-hint]');
    if (hint) hint.textContent = definition.hint ? definition.hint(grouped) : '';
    const datasets = definition.data(timeline, cohortList, grouped);
    const canvas = figure.querySelector('canvas');
    drawn.get(canvas)?.destroy();
    drawn.set(canvas, new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { display: datasets.length > 1, position: 'bottom', align: 'start' },
          tooltip: {
            filter: (item) => item.raw !== null && item.raw !== 0,
            callbacks: { label: (item) => ` ${item.dataset.label}: ${definition.unit(item.raw)}` },
          },
        },
        scales: {
          x: { stacked: !!definition.stacked, grid: { display: false }, ticks: { maxTicksLimit: 8, maxRotation: 0 } },
          y: {
            stacked: !!definition.stacked, beginAtZero: true, max: definition.max,
            ticks: {
              maxTicksLimit: 5, precision: definition.whole ? 0 : undefined,
              callback: (value) => definition.unit(value),
            },
          },
        },
      },
    }));
  }
}
