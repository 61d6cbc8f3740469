// The "MCP" view: the requests MCP clients made through the gateway (tool calls, prompts,
// resources), each a row of the request log (GET /v1/logs?mcp=only), and their figures by tool or by
// server (GET /v1/analytics?group_by=mcp_tool|mcp_server, whose null cohort is the model traffic).
import * as api from './api.js';
import * as format from './format.js';
import { h, pill } from './dom.js';
import { cohortLabel } from './charts.js';

const $ = (selector) => document.querySelector(selector);
const ROWS = 100;

let grouping = 'mcp_tool';

/** Loads and draws the view over the range; resolves to null, or to the error for the banner. */
export async function loadMcp({ from, to }, open) {
  let cohorts;
  let calls;
  try {
    [cohorts, calls] = await Promise.all([
      api.analytics({ from, to, bucket: 'auto', groupBy: grouping }),
      api.logs({ from, to, mcp: 'only' }, null, ROWS),
    ]);
  } catch (error) {
    return error;
  }
  $('#mcp-cohort-title').textContent = grouping === 'mcp_tool' ? 'tool' : 'server';
  renderCohorts((cohorts.totals || []).filter((t) => t.group !== null && t.group !== undefined));
  renderCalls(calls.data || [], open);
  document.body.dataset.mcp = 'loaded';
  return null;
}

/** The grouping buttons: by tool or by server; `reload` draws the view again. */
export function wireMcp(reload) {
  for (const button of document.querySelectorAll('#mcp-group button')) {
    button.addEventListener('click', () => {
      grouping = button.dataset.group;
      for (const other of document.querySelectorAll('#mcp-group button')) other.classList.toggle('active', other === button);
      reload();
    });
  }
}

function fill(table, rows) {
  $(`${table} tbody`).replaceChildren(...rows);
  $(`${table} + .empty`).hidden = rows.length > 0;
}

function renderCohorts(totals) {
  const rows = [...totals].sort((a, b) => b.requests - a.requests).map((t) =>
    h('tr', { dataset: { group: cohortLabel(t.group) } },
      h('td', { class: 'mono' }, cohortLabel(t.group)),
      h('td', { class: 'num', dataset: { figure: 'calls' } }, format.count(t.requests)),
      h('td', { class: 'num' }, format.count(t.errors)),
      h('td', { class: 'num' }, format.percent(t.error_rate)),
      h('td', { class: 'num' }, format.ms(t.latency_p50_ms)),
      h('td', { class: 'num' }, format.ms(t.latency_p95_ms)),
      h('td', { class: 'num' }, format.ms(t.latency_p99_ms))));
  fill('#mcp-cohorts', rows);
}

/** What an MCP record calls: the MCP method, and the tool, prompt or resource. */
export function mcpCall(record) {
  const meta = record.metadata || {};
  return {
    method: meta['mcp.method'] || 'tools/call',
    target: meta['mcp.tool'] ?? meta['mcp.prompt'] ?? meta['mcp.resource'] ?? record.model ?? format.missing,
    outcome: meta['mcp.outcome'],
  };
}

/** Whether a record is an MCP request's (served at /mcp or /mcp/<server>). */
export function isMcp(record) {
  return record.path === '/mcp' || (record.path || '').startsWith('/mcp/');
}

/** The guardrails' verdict as a pill: passed, failed (flagged), denied; a dash when none ran. */
export function verdict(guardrails) {
  if (!guardrails) return format.missing;
  return pill(guardrails, guardrails === 'passed' ? 'ok' : guardrails === 'denied' ? 'err' : 'warn');
}

function renderCalls(records, open) {
  const rows = records.map((record) => {
    const call = mcpCall(record);
    return h('tr', { tabindex: 0, dataset: { id: record.id, method: call.method }, onclick: () => open(record.id),
      onkeydown: (event) => { if (event.key === 'Enter') open(record.id); } },
    h('td', { class: 'mono muted', title: record.started_at }, format.dateTime(record.started_at_ms)),
    h('td', {}, pill(record.status, format.statusTone(record.status)),
      call.outcome && call.outcome !== 'ok' ? h('span', { class: 'error-type' }, call.outcome.replaceAll('_', ' ')) : null),
    h('td', {}, record.provider ?? format.missing),
    h('td', { class: 'mono' }, call.method),
    h('td', { class: 'model', title: call.target }, call.target),
    h('td', { class: 'mono muted', title: record.workspace ?? '' }, record.api_key_id ?? 'no key'),
    h('td', { class: 'num' }, format.ms(record.latency_ms)),
    h('td', { dataset: { verdict: record.guardrails ?? '' } }, verdict(record.guardrails)),
    h('td', { class: 'trace mono', title: record.trace_id }, record.trace_id));
  });
  fill('#mcp-table', rows);
}
