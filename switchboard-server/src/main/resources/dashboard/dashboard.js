// The dashboard page: the header's time range and grouping, the overview (KPI tiles, charts, the
// cohort table, the live tail), the logs table with its filters, the request drawer, and the keys
// and budgets view (access.js), the MCP calls (mcp.js), the experiments (experiments.js), prompts
// (prompts.js) and saved configs (configs.js) views.
import * as api from './api.js';
import * as charts from './charts.js';
import * as format from './format.js';
import { h, pill } from './dom.js';
import { showRequest, closeRequest } from './detail.js';
import { loadAccess } from './access.js';
import { loadExperiments } from './experiments.js';
import { loadPrompts } from './prompts.js';
import { loadConfigs } from './configs.js';
import { loadMcp, wireMcp } from './mcp.js';

const RANGES = {
  '15m': { ms: 15 * 60_000, bucket: '1m' },
  '1h': { ms: 60 * 60_000, bucket: '1m' },
  '24h': { ms: 24 * 60 * 60_000, bucket: '15m' },
  '7d': { ms: 7 * 24 * 60 * 60_000, bucket: '1h' },
};
const LIVE_ROWS = 50;
const LIVE_SEED = 20;
const REFRESH_MS = 30_000;

const state = {
  range: '1h',
  groupBy: 'provider',
  view: 'overview',
  logsCursor: null,
  livePaused: false,
  shown: false,
};

const $ = (selector) => document.querySelector(selector);
const $$ = (selector) => [...document.querySelectorAll(selector)];

function timeWindow() {
  const to = Date.now();
  return { from: to - RANGES[state.range].ms, to };
}

function groupBy() {
  const select = $('#group-by').value;
  if (select !== 'metadata') return select;
  const key = $('#group-key').value.trim();
  return key ? `metadata.${key}` : 'none';
}

function showError(error) {
  const banner = $('#banner');
  if (!error) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.textContent = error.status === 401
    ? 'The gateway asks for its admin token: reload the page and sign in with it as the password.'
    : `The gateway answered: ${error.message}`;
}

// ---- Overview ----

async function loadOverview() {
  const { from, to } = timeWindow();
  const bucket = RANGES[state.range].bucket;
  const grouping = groupBy();
  try {
    const [grouped, overall] = await Promise.all([
      api.analytics({ from, to, bucket, groupBy: grouping }),
      grouping === 'none' ? null : api.analytics({ from, to, bucket, groupBy: 'none' }),
    ]);
    const all = overall || grouped;
    renderKpis(all.totals[0], RANGES[state.range].ms);
    charts.render($$('#charts figure'), grouped, grouping !== 'none');
    renderCohorts(grouped.totals, grouping);
    document.body.dataset.overview = 'loaded';
    showError(null);
  } catch (error) {
    showError(error);
  }
}

function renderKpis(total, rangeMs) {
  const t = total || { requests: 0, errors: 0 };
  const set = (name, value, sub, bad = false) => {
    const tile = $(`[data-kpi="${name}"]`);
    tile.querySelector('.value').textContent = value;
    tile.querySelector('.sub').textContent = sub;
    tile.classList.toggle('bad', bad);
  };
  const perMinute = t.requests / (rangeMs / 60_000);
  set('requests', format.count(t.requests), `${perMinute < 10 ? perMinute.toFixed(1) : Math.round(perMinute)} / min`);
  set('error_rate', t.requests ? format.percent(t.error_rate) : format.missing,
    `${format.count(t.errors)} errors`, t.error_rate >= 0.05);
  set('latency_p95_ms', format.ms(t.latency_p95_ms), `p50 ${format.ms(t.latency_p50_ms)} · p99 ${format.ms(t.latency_p99_ms)}`);
  set('cache_hit_rate', t.requests ? format.percent(t.cache_hit_rate) : format.missing, `${format.count(t.cache_hits)} hits`);
  set('cost_usd', format.usd(t.cost_usd ?? 0),
    `${format.count((t.prompt_tokens ?? 0) + (t.completion_tokens ?? 0))} tokens`);
}

function renderCohorts(totals, grouping) {
  $('#cohort-title').textContent = grouping === 'none' ? 'everything' : grouping.replace('metadata.', '');
  const colours = new Map(charts.cohorts(totals).map((cohort) => [cohort.key, cohort.color]));
  const rows = [...totals].sort((a, b) => b.requests - a.requests).map((t) =>
    h('tr', { tabindex: 0, dataset: { group: charts.cohortLabel(t.group) }, onclick: () => showCohortLogs(grouping, t.group), onkeydown: onEnter },
      h('td', {}, h('span', { class: 'swatch', style: { background: colours.get(t.group) || 'transparent' } }),
        charts.cohortLabel(t.group)),
      h('td', { class: 'num' }, format.count(t.requests)),
      h('td', { class: 'num' }, format.percent(t.error_rate)),
      h('td', { class: 'num' }, format.ms(t.latency_p50_ms)),
      h('td', { class: 'num' }, format.ms(t.latency_p95_ms)),
      h('td', { class: 'num' }, format.ms(t.latency_p99_ms)),
      h('td', { class: 'num' }, format.percent(t.cache_hit_rate)),
      h('td', { class: 'num' }, format.count((t.prompt_tokens ?? 0) + (t.completion_tokens ?? 0))),
      h('td', { class: 'num' }, format.usd(t.cost_usd)),
      h('td', { class: 'num' }, t.feedback_count ? `${(t.feedback_avg ?? 0).toFixed(1)} (${t.feedback_count})` : format.missing)));
  $('#cohort-table tbody').replaceChildren(...rows);
}

/** The logs of one cohort: its filter in the logs view, where the API has a filter for it. */
function showCohortLogs(grouping, group) {
  const form = $('#filters');
  const field = grouping.startsWith('metadata.') ? 'metadata' : grouping;
  if (group === null || group === undefined || !form.elements[field]) return;
  for (const element of form.elements) if (element.name) element.value = '';
  form.elements[field].value = field === 'metadata' ? `${grouping.slice('metadata.'.length)}=${group}` : group;
  location.hash = 'logs';
}

// ---- Live tail ----

/** The latest requests from the log, then each one as it finishes, newest on top. */
async function startLive() {
  const list = $('#live-list');
  const show = (record, fresh) => {
    if (list.querySelector(`[data-id="${CSS.escape(record.id)}"]`)) return;
    const item = liveItem(record);
    if (fresh) {
      item.classList.add('fresh');
      list.prepend(item);
    } else {
      list.append(item);
    }
    while (list.children.length > LIVE_ROWS) list.lastElementChild.remove();
    $('#live-empty').hidden = true;
  };
  api.tail(
    (record) => { if (!state.livePaused) show(record, true); },
    (open) => $('#live-dot').classList.toggle('on', open));
  try {
    const latest = await api.logs({}, null, LIVE_SEED);
    latest.data.forEach((record) => show(record, false));
  } catch {
    // The overview shows the gateway's error; the tail still fills the list.
  }
  $('#live-toggle').addEventListener('click', () => {
    state.livePaused = !state.livePaused;
    $('#live-toggle').textContent = state.livePaused ? 'Resume' : 'Pause';
  });
}

function liveItem(record) {
  return h('li', { class: 'live-item', tabindex: 0, dataset: { id: record.id }, onclick: () => openRequest(record.id), onkeydown: onEnter },
    h('span', { class: 'muted mono' }, format.clock(record.started_at_ms)),
    pill(record.status, format.statusTone(record.status)),
    h('span', { class: 'model', title: `${record.provider ?? ''} ${record.model ?? ''}` },
      h('span', { class: 'muted' }, record.provider ?? record.path), ' ', record.model ?? record.request_model ?? ''),
    h('span', { class: 'muted num' }, format.ms(record.latency_ms)));
}

// ---- Logs ----

function logFilters() {
  const form = $('#filters');
  const filters = { ...timeWindow() };
  for (const name of ['status', 'provider', 'model', 'cache_status', 'trace_id']) {
    const value = form.elements[name].value.trim();
    if (value) filters[name] = value;
  }
  for (const pair of form.elements.metadata.value.split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) filters[`metadata.${pair.slice(0, at).trim()}`] = pair.slice(at + 1).trim();
  }
  return filters;
}

async function loadLogs(more = false) {
  try {
    const page = await api.logs(logFilters(), more ? state.logsCursor : null);
    const rows = page.data.map(logRow);
    const body = $('#logs-table tbody');
    if (more) body.append(...rows);
    else body.replaceChildren(...rows);
    state.logsCursor = page.next_cursor;
    $('#logs-more').hidden = !page.next_cursor;
    $('#logs-empty').hidden = body.children.length > 0;
    $('#logs-count').textContent = `${body.children.length} request${body.children.length === 1 ? '' : 's'}${page.next_cursor ? ' shown' : ''}`;
    document.body.dataset.logs = 'loaded';
    showError(null);
  } catch (error) {
    showError(error);
  }
}

function logRow(record) {
  const tokens = (record.prompt_tokens ?? 0) + (record.completion_tokens ?? 0);
  const attempts = record.attempts?.length ?? 0;
  return h('tr', { tabindex: 0, dataset: { id: record.id }, onclick: () => openRequest(record.id), onkeydown: onEnter },
    h('td', { class: 'mono muted', title: record.started_at }, format.dateTime(record.started_at_ms)),
    h('td', {}, pill(record.status, format.statusTone(record.status)),
      record.error_type ? h('span', { class: 'error-type' }, record.error_type.replaceAll('_', ' ')) : null),
    h('td', {}, record.provider ?? format.missing),
    h('td', { class: 'model', title: record.model ?? '' }, record.model ?? record.request_model ?? format.missing),
    h('td', { class: 'mono muted' }, record.path),
    h('td', { class: 'num' }, format.ms(record.latency_ms)),
    h('td', { class: 'num' }, tokens ? format.count(tokens) : format.missing),
    h('td', { class: 'num' }, format.usd(record.cost_usd)),
    h('td', {}, record.cache_status && record.cache_status !== 'DISABLED'
      ? pill(record.cache_status, format.isCacheHit(record.cache_status) ? 'info' : '') : format.missing),
    h('td', {}, String(attempts),
      record.retries ? h('span', { class: 'tag retry' }, `${record.retries} retr${record.retries === 1 ? 'y' : 'ies'}`) : null,
      record.fallback_used ? h('span', { class: 'tag fallback' }, 'fallback') : null),
    h('td', { class: 'trace mono', title: record.trace_id }, record.trace_id));
}

// ---- Navigation ----

/** Enter on a focused row does what a click does. */
function onEnter(event) {
  if (event.key === 'Enter') event.currentTarget.click();
}

/** The logs of one trace (every request that carried its x-portkey-trace-id). */
function showTraceLogs(traceId) {
  const form = $('#filters');
  for (const element of form.elements) if (element.name) element.value = '';
  form.elements.trace_id.value = traceId;
  if (state.view === 'logs') {
    location.hash = 'logs';
    loadLogs();
  } else {
    location.hash = 'logs';
  }
}

function openRequest(id) {
  location.hash = `#request/${encodeURIComponent(id)}`;
}

function route() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith('request/')) {
    showRequest(hash.slice('request/'.length), showTraceLogs, openRequest).catch(showError);
    if (!state.shown) {
      state.shown = true;
      refresh();
    }
    return;
  }
  closeRequest();
  const view = ['logs', 'mcp', 'access', 'experiments', 'prompts', 'configs'].includes(hash) ? hash : 'overview';
  if (view === state.view && state.shown) return;
  state.view = view;
  state.shown = true;
  for (const tab of $$('.tab')) tab.classList.toggle('active', tab.dataset.view === view);
  $('#view-overview').hidden = view !== 'overview';
  $('#view-logs').hidden = view !== 'logs';
  $('#view-mcp').hidden = view !== 'mcp';
  $('#view-access').hidden = view !== 'access';
  $('#view-experiments').hidden = view !== 'experiments';
  $('#view-prompts').hidden = view !== 'prompts';
  $('#view-configs').hidden = view !== 'configs';
  document.body.dataset.view = view;
  refresh();
}

function refresh() {
  if (state.view === 'logs') loadLogs();
  else if (state.view === 'mcp') loadMcp(timeWindow(), openRequest).then(showError, showError);
  else if (state.view === 'access') loadAccess().then(showError, showError);
  else if (state.view === 'configs') loadConfigs().then(showError, showError);
  else if (state.view === 'prompts') loadPrompts().then(showError, showError);
  else if (state.view === 'experiments') loadExperiments(timeWindow()).then(showError, showError);
  else loadOverview();
}

function wire() {
  for (const tab of $$('.tab')) {
    tab.addEventListener('click', () => { location.hash = tab.dataset.view; });
  }
  for (const button of $$('#range button')) {
    button.addEventListener('click', () => {
      state.range = button.dataset.range;
      for (const other of $$('#range button')) other.classList.toggle('active', other === button);
      refresh();
    });
  }
  $('#group-by').addEventListener('change', () => {
    const byKey = $('#group-by').value === 'metadata';
    $('#group-key').hidden = !byKey;
    if (byKey) $('#group-key').focus();
    else loadOverview();
  });
  $('#group-key').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') $('#group-key').blur();
  });
  $('#group-key').addEventListener('change', loadOverview);
  $('#quality-by').addEventListener('change', () => {
    const byKey = $('#quality-by').value === 'metadata';
    $('#quality-key').hidden = !byKey;
    if (byKey) $('#quality-key').focus();
    else refresh();
  });
  $('#quality-key').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') $('#quality-key').blur();
  });
  $('#quality-key').addEventListener('change', refresh);
  wireMcp(refresh);
  $('#refresh').addEventListener('click', refresh);
  $('#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadLogs();
  });
  $('#filters').addEventListener('reset', () => setTimeout(loadLogs));
  $('#logs-more').addEventListener('click', () => loadLogs(true));
  const close = () => { location.hash = state.view; };
  $('#drawer-close').addEventListener('click', close);
  $('#scrim').addEventListener('click', close);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && location.hash.startsWith('#request/')) close();
  });
  addEventListener('hashchange', route);
  setInterval(() => { if (!document.hidden && state.view === 'overview') loadOverview(); }, REFRESH_MS);
}

wire();
startLive();
route();
