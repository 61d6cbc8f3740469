// The request drawer: one record from GET /v1/logs/{id}: what was asked, what answered, the
// model and tool calls of its trace side by side, the attempts in time (targets tried, retries and
// their waits, the cache), tokens, cost, metadata, feedback, and the bodies when the config asked
// for them to be logged.
import * as api from './api.js';
import * as format from './format.js';
import { h, pill } from './dom.js';
import { isMcp, mcpCall, verdict } from './mcp.js';

const $ = (selector) => document.querySelector(selector);

/**
 * Opens the drawer on request `id`; `showTrace(traceId)` lists the requests of a trace,
 * `open(id)` opens another request (a shadow, or a shadow's primary).
 */
export async function showRequest(id, showTrace, open) {
  const drawer = $('#drawer');
  $('#detail').replaceChildren(h('p', { class: 'empty' }, 'Loading…'));
  $('#detail-status').textContent = '';
  $('#detail-path').textContent = '';
  $('#detail-id').textContent = id;
  $('#scrim').hidden = false;
  drawer.classList.add('open');
  drawer.setAttribute('aria-hidden', 'false');
  let record;
  try {
    record = await fetchRecord(id);
  } catch (error) {
    if ($('#detail-id').textContent !== id) return;
    $('#detail').replaceChildren(h('p', { class: 'empty' },
      error.status === 404 ? 'No request with this id is in the log.' : `The gateway answered: ${error.message}`));
    return;
  }
  if ($('#detail-id').textContent !== id) return; // another request was opened meanwhile
  const traced = await traceRecords(record).catch(() => []);
  if ($('#detail-id').textContent !== id) return;
  const status = $('#detail-status');
  status.textContent = record.status;
  status.className = `pill ${format.statusTone(record.status)}`;
  $('#detail-path').textContent = `${record.method} ${record.path}`;
  $('#detail').replaceChildren(...[
    summary(record, showTrace),
    trace(record, traced, open),
    shadows(record, open),
    stats(record),
    attempts(record),
    facts(record),
    keyValues('Metadata', record.metadata, 'metadata'),
    feedback(record.feedback || []),
    bodies(record),
  ].filter(Boolean));
  drawer.dataset.loaded = record.id;
}

/**
 * The record; a 404 is asked again a few times, as the live tail shows a request as it finishes,
 * up to logs.flush-interval (200 ms by default) before the log has written it.
 */
async function fetchRecord(id) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.log(id);
    } catch (error) {
      if (error.status !== 404 || attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }
}

export function closeRequest() {
  const drawer = $('#drawer');
  drawer.classList.remove('open');
  drawer.setAttribute('aria-hidden', 'true');
  delete drawer.dataset.loaded;
  $('#scrim').hidden = true;
}

function section(title, name, ...content) {
  return h('section', { class: 'section', dataset: { section: name } }, h('h3', {}, title), ...content);
}

function summary(r, showTrace) {
  const outcome = r.error_type
    ? pill(r.error_type.replaceAll('_', ' '), 'err')
    : pill(r.streamed ? `streamed · ${(r.stream_end || 'completed').toLowerCase().replaceAll('_', ' ')}` : 'answered', 'ok');
  return section('Summary', 'summary',
    h('dl', { class: 'facts' },
      fact('Provider · model', `${r.provider ?? format.missing} · ${r.model ?? format.missing}`),
      fact('Requested model', r.request_model ?? format.missing),
      fact('Started', format.dateTime(r.started_at_ms)),
      fact('Outcome', outcome),
      fact('Trace id', r.trace_id
        ? h('a', { class: 'mono link', href: '#logs', title: 'Every request of this trace',
          onclick: (event) => { event.preventDefault(); showTrace(r.trace_id); } }, r.trace_id)
        : format.missing),
      fact('Config', h('span', { class: 'mono' }, r.config ?? 'none (headers)'))));
}

/** The W3C trace id a traceparent carries, or null. */
function w3cTraceId(traceparent) {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec((traceparent || '').trim());
  return match && !/^0+$/.test(match[1]) ? match[1] : null;
}

/**
 * The records of the request's trace, oldest first: those of its trace id, and those whose W3C
 * traceparent carries the same trace as its own (the log's trace_id filter finds both), so an
 * agent's model calls and tool calls meet however each was traced.
 */
async function traceRecords(r) {
  const ids = [...new Set([r.trace_id, w3cTraceId(r.traceparent)].filter(Boolean))];
  const pages = await Promise.all(ids.map((traceId) => api.logs({ trace_id: traceId }, null, 100)));
  const byId = new Map();
  for (const page of pages) for (const record of page.data) byId.set(record.id, record);
  return [...byId.values()].sort((a, b) => a.started_at_ms - b.started_at_ms || a.id.localeCompare(b.id));
}

/** The model calls and the MCP calls of the request's trace, each a link to its record. */
function trace(r, records, open) {
  if (records.length < 2) return null;
  const start = records[0].started_at_ms;
  const rows = records.map((t) => {
    const mcp = isMcp(t);
    const call = mcp ? mcpCall(t) : null;
    return h('tr', { class: t.id === r.id ? 'current' : '', dataset: { request: t.id, kind: mcp ? 'mcp' : 'model' } },
      h('td', { class: 'mono muted' }, `+${format.ms(t.started_at_ms - start)}`),
      h('td', {}, h('span', { class: `tag ${mcp ? 'mcp' : 'model'}` }, mcp ? call.method : 'model')),
      h('td', {}, t.id === r.id
        ? h('strong', {}, `${t.provider ?? format.missing} · ${mcp ? call.target : t.model ?? t.request_model ?? format.missing}`)
        : h('a', { class: 'link', href: `#request/${encodeURIComponent(t.id)}`,
          onclick: (event) => { event.preventDefault(); open(t.id); } },
        `${t.provider ?? format.missing} · ${mcp ? call.target : t.model ?? t.request_model ?? format.missing}`)),
      h('td', {}, pill(t.status, format.statusTone(t.status))),
      h('td', { class: 'num' }, format.ms(t.latency_ms)),
      h('td', {}, mcp ? verdict(t.guardrails) : null));
  });
  const tools = records.filter(isMcp).length;
  return section(`This trace: ${records.length - tools} model call${records.length - tools === 1 ? '' : 's'}, ${tools} MCP call${tools === 1 ? '' : 's'}`, 'trace',
    h('table', { class: 'kv trace-calls' }, h('tbody', {}, ...rows)));
}

/** A request's shadows (a config's `shadow`), or a shadow's primary, each a link to its record. */
function shadows(r, open) {
  const link = (id) => h('a', { class: 'mono link', href: `#request/${encodeURIComponent(id)}`, dataset: { request: id },
    onclick: (event) => { event.preventDefault(); open(id); } }, id);
  if (r.shadow_of) {
    return section('Shadow', 'shadow',
      h('p', { class: 'muted' }, 'This is a shadow request: the gateway replayed its primary to a candidate target; no client saw this answer.'),
      h('dl', { class: 'facts' }, fact('Primary', link(r.shadow_of))));
  }
  const list = r.shadows || [];
  if (list.length === 0) return null;
  return section(`Shadows (${list.length})`, 'shadows',
    h('dl', { class: 'facts' }, ...list.map((id) => fact('Shadow', link(id)))));
}

function stats(r) {
  const stat = (label, value) => h('div', { class: 'stat' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  return section('Tokens, cost, time', 'stats',
    h('div', { class: 'stats' },
      stat('Latency', format.ms(r.latency_ms)),
      stat('First token', r.ttft_ms === null || r.ttft_ms === undefined ? format.missing : format.ms(r.ttft_ms)),
      stat('Cost', format.usd(r.cost_usd)),
      stat('Saved by cache', format.usd(r.saved_cost_usd)),
      stat('Prompt tokens', format.count(r.prompt_tokens)),
      stat('Completion', format.count(r.completion_tokens)),
      stat('Cached tokens', format.count(r.cached_tokens)),
      stat('Retries', format.count(r.retries))));
}

/**
 * The attempts on one time axis from the request's start: a bar per attempt (green answered, red
 * failed, blue answered from the cache), the wait before its retry dashed after it.
 */
function attempts(r) {
  const list = r.attempts || [];
  if (list.length === 0) {
    return section('Attempts', 'attempts', h('p', { class: 'muted' }, 'No upstream attempt: the gateway answered on its own.'));
  }
  // Attempts run one after another; each is placed at its recorded start, or after the one before
  // it and its wait when the clock (millisecond steps) put them on the same instant.
  const start = r.started_at_ms;
  let cursor = 0;
  const placed = list.map((a) => {
    const offset = Math.max(a.started_at_ms - start, cursor);
    cursor = offset + a.duration_ms + (a.wait_after_ms || 0);
    return { ...a, offset };
  });
  const span = Math.max(cursor, r.latency_ms || 0, 1);
  const at = (ms) => `${Math.min(100, Math.max(0, (ms / span) * 100))}%`;
  const rows = placed.map((a) => {
    const offset = a.offset;
    const tone = a.error_type ? 'err' : format.isCacheHit(a.cache_status) ? 'cache' : '';
    const detail = [a.option_path, a.retry ? `retry ${a.retry}` : null, format.ms(a.duration_ms),
      a.cache_status && a.cache_status !== 'DISABLED' ? `cache ${a.cache_status.toLowerCase()}` : null,
      a.error_type ? a.error_type.replaceAll('_', ' ') : null,
      a.wait_after_ms ? `then waited ${format.ms(a.wait_after_ms)}` : null].filter(Boolean).join(' · ');
    return h('div', { class: 'attempt', dataset: { attempt: a.index } },
      h('div', { class: 'who', title: detail },
        h('div', {}, h('strong', {}, `#${a.index} `), `${a.provider} · ${a.model ?? format.missing}`),
        h('div', { class: 'muted' }, detail)),
      h('div', { class: 'track' },
        h('div', { class: `bar ${tone}`, title: detail, style: { left: at(offset), width: at(a.duration_ms) } }),
        a.wait_after_ms
          ? h('div', { class: 'wait', title: `waited ${format.ms(a.wait_after_ms)}`, style: { left: at(offset + a.duration_ms), width: at(a.wait_after_ms) } })
          : null),
      h('div', { class: 'num' }, pill(a.status, a.error_type ? format.statusTone(a.status) : tone === 'cache' ? 'info' : 'ok')));
  });
  const tags = [
    r.fallback_used ? h('span', { class: 'tag fallback' }, 'fallback used') : null,
    r.retries ? h('span', { class: 'tag retry' }, `${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}`) : null,
  ];
  return section(`Attempts (${list.length})`, 'attempts',
    h('div', { class: 'timeline' }, ...rows,
      h('div', { class: 'axis' }, h('span', {}, '0'), h('span', {}, format.ms(span / 2)), h('span', {}, format.ms(span)))),
    tags.some(Boolean) ? h('div', { class: 'tags' }, ...tags) : null);
}

function facts(r) {
  return section('Routing', 'routing',
    h('dl', { class: 'facts' },
      fact('Target', h('span', { class: 'mono' }, r.option_path ?? format.missing)),
      fact('Cache', r.cache_status
        ? `${r.cache_status}${r.cache_age_seconds !== null && r.cache_age_seconds !== undefined ? ` · ${r.cache_age_seconds} s old` : ''}`
        : format.missing),
      fact('Guardrails', r.guardrails ?? 'none ran'),
      fact('Streamed', r.streamed ? 'yes' : 'no')));
}

function fact(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value));
}

function keyValues(title, map, name) {
  const entries = Object.entries(map || {});
  return section(title, name, entries.length === 0
    ? h('p', { class: 'muted' }, 'None.')
    : h('table', { class: 'kv' }, h('tbody', {}, ...entries.map(([key, value]) => h('tr', {}, h('td', {}, key), h('td', {}, String(value)))))));
}

function feedback(list) {
  if (list.length === 0) return section('Feedback', 'feedback', h('p', { class: 'muted' }, 'None for this trace.'));
  return section(`Feedback (${list.length})`, 'feedback',
    h('table', { class: 'kv' }, h('tbody', {}, ...list.map((f) =>
      h('tr', {},
        h('td', {}, pill(`${f.value > 0 ? '+' : ''}${f.value}`, f.value > 0 ? 'ok' : f.value < 0 ? 'err' : ''),
          ` weight ${f.weight ?? 1}`),
        h('td', {}, f.created_at ? format.dateTime(format.epochMillis(f.created_at)) : '',
          f.metadata && Object.keys(f.metadata).length
            ? h('div', { class: 'muted mono' }, JSON.stringify(f.metadata)) : null))))));
}

function bodies(r) {
  if (!r.request_body && !r.response_body) return null;
  const pretty = (text) => {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  };
  return section('Bodies', 'bodies',
    r.request_body ? h('details', { open: true }, h('summary', {}, 'Request'), h('pre', { class: 'body' }, pretty(r.request_body))) : null,
    r.response_body ? h('details', {}, h('summary', {}, 'Response'), h('pre', { class: 'body' }, pretty(r.response_body))) : null);
}
