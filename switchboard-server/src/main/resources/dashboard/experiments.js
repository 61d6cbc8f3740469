// The "Experiments" view: quality by cohort (A/B arm, target, model, prompt version or a metadata
// key) from GET /v1/analytics, each rate with its Wilson 95% interval, and the shadow pairs (the
// answer's `shadows` section: each client request's cohort against its shadow target).
import * as api from './api.js';
import * as format from './format.js';
import { h } from './dom.js';
import { cohortLabel } from './charts.js';

const $ = (selector) => document.querySelector(selector);

/** The cohort picked: a column the API groups by, or metadata.<key>. */
export function qualityGroupBy() {
  const select = $('#quality-by').value;
  if (select !== 'metadata') return select;
  const key = $('#quality-key').value.trim();
  return key ? `metadata.${key}` : 'none';
}

/** Loads and draws the view over the range; resolves to null, or to the error for the banner. */
export async function loadExperiments({ from, to }) {
  const grouping = qualityGroupBy();
  let answer;
  try {
    answer = await api.analytics({ from, to, bucket: 'auto', groupBy: grouping });
  } catch (error) {
    return error;
  }
  $('#quality-title').textContent = grouping === 'none' ? 'everything' : $('#quality-by').selectedOptions[0].textContent.replace('…', '')
    + (grouping.startsWith('metadata.') ? ` ${grouping.slice('metadata.'.length)}` : '');
  renderQuality(answer.totals || []);
  renderShadows(answer.shadows || []);
  document.body.dataset.experiments = 'loaded';
  return null;
}

function fill(table, rows) {
  $(`${table} tbody`).replaceChildren(...rows);
  $(`${table} + .empty`).hidden = rows.length > 0;
}

function renderQuality(totals) {
  const rows = [...totals].sort((a, b) => b.requests - a.requests).map((t) =>
    h('tr', { dataset: { group: cohortLabel(t.group) } },
      h('td', {}, cohortLabel(t.group)),
      h('td', { class: 'num', dataset: { figure: 'requests' } }, format.count(t.requests)),
      h('td', { class: 'num', dataset: { figure: 'feedback' } },
        t.feedback_count ? `${(t.feedback_avg ?? 0).toFixed(1)} (${format.count(t.feedback_count)})` : format.missing),
      h('td', { class: 'num', dataset: { figure: 'eval_fail_rate' }, title: `${format.count(t.eval_fails)} of ${format.count(t.requests)}` },
        format.rateWithInterval(t.eval_fail_rate, t.eval_fail_rate_ci95)),
      h('td', { class: 'num', dataset: { figure: 'schema_failure_rate' }, title: `${format.count(t.schema_failures)} of ${format.count(t.requests)}` },
        format.rateWithInterval(t.schema_failure_rate, t.schema_failure_rate_ci95)),
      h('td', { class: 'num', dataset: { figure: 'cost' } }, format.usd(t.cost_usd)),
      h('td', { class: 'num' }, format.ms(t.latency_p50_ms)),
      h('td', { class: 'num' }, format.ms(t.latency_p95_ms)),
      h('td', { class: 'num', dataset: { figure: 'fallback_rate' } }, format.rateWithInterval(t.fallback_rate, t.fallback_rate_ci95))));
  fill('#quality-table', rows);
}

function renderShadows(pairs) {
  const both = (a, b, show) => `${show(a)} · ${show(b)}`;
  const tokens = (prompt, completion) => (prompt ?? 0) + (completion ?? 0);
  const rows = pairs.map((s) => {
    const shadow = `${s.shadow_provider ?? format.missing} · ${s.shadow_model ?? format.missing}`;
    return h('tr', { dataset: { group: cohortLabel(s.group), shadow } },
      h('td', {}, cohortLabel(s.group)),
      h('td', { class: 'mono' }, shadow),
      h('td', { class: 'num', dataset: { figure: 'pairs' } }, format.count(s.pairs)),
      h('td', { class: 'num' }, format.rateWithInterval(s.shadow_error_rate, s.shadow_error_rate_ci95)),
      h('td', { class: 'num' }, both(s.latency_p50_ms, s.shadow_latency_p50_ms, format.ms)),
      h('td', { class: 'num' }, both(s.latency_p99_ms, s.shadow_latency_p99_ms, format.ms)),
      h('td', { class: 'num', dataset: { figure: 'tokens' } },
        both(tokens(s.prompt_tokens, s.completion_tokens), tokens(s.shadow_prompt_tokens, s.shadow_completion_tokens), format.count)),
      h('td', { class: 'num' }, both(s.cost_usd, s.shadow_cost_usd, format.usd)),
      h('td', { class: 'num', dataset: { figure: 'text_agreement' }, title: `${format.count(s.texts_agree)} of ${format.count(s.compared)} compared` },
        format.rateWithInterval(s.text_agreement_rate, s.text_agreement_rate_ci95)),
      h('td', { class: 'num', title: `${format.count(s.tool_calls_agree)} of ${format.count(s.compared)} compared` },
        format.rateWithInterval(s.tool_call_agreement_rate, s.tool_call_agreement_rate_ci95)));
  });
  fill('#shadows-table', rows);
}
