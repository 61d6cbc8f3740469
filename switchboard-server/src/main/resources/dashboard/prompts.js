// The "Prompts" view: the saved prompts (GET /v1/admin/prompts), one prompt's versions and labels,
// one version's template and variables, and a form that moves a label (PUT
// /v1/admin/prompts/{id}/labels/{label}). The admin API answers only the admin token, so the view
// asks the browser for it as the keys view does (access.js); templates go in as text.
import * as api from './api.js';
import * as format from './format.js';
import { h, pill } from './dom.js';
import { adminNotice, adminRefusal, signedIn } from './access.js';

const $ = (selector) => document.querySelector(selector);

const state = { id: null, version: null };

/** Loads and draws the list (and the prompt shown); resolves to null, or to the banner's error. */
export async function loadPrompts() {
  let list;
  try {
    list = await signedIn(() => api.admin('prompts'));
  } catch (error) {
    $('#prompt-card').hidden = true;
    return adminRefusal('prompts', error, 'Prompts are managed through the admin API; see docs/prompts.md.');
  }
  adminNotice('prompts', null);
  const rows = list.data.map((p) =>
    h('tr', { tabindex: 0, class: p.id === state.id ? 'selected' : null, dataset: { id: p.id },
      onclick: () => showPrompt(p.id), onkeydown: (event) => { if (event.key === 'Enter') showPrompt(p.id); } },
      h('td', { class: 'mono' }, p.id),
      h('td', { class: 'num' }, String(p.latest_version)),
      h('td', {}, labelPills(p.labels)),
      h('td', { class: 'muted' }, p.created_by ?? format.missing),
      h('td', { class: 'muted' }, format.dateTime(format.epochMillis(p.created_at)))));
  $('#prompts-table tbody').replaceChildren(...rows);
  $('#prompts-table + .empty').hidden = rows.length > 0;
  if (state.id) await showPrompt(state.id, state.version);
  document.body.dataset.prompts = 'loaded';
  return null;
}

function labelPills(labels, version) {
  return Object.entries(labels || {})
    .filter(([, at]) => version === undefined || at === version)
    .map(([label, at]) => pill(version === undefined ? `${label} → ${at}` : label, label === 'production' ? 'ok' : 'info'));
}

/** One prompt: its versions (with the labels on each) and version `version` (else the latest). */
async function showPrompt(id, version) {
  let prompt;
  try {
    prompt = await api.prompt(id);
  } catch (error) {
    $('#prompt-card').hidden = false;
    $('#prompt-body').replaceChildren(h('p', { class: 'empty' }, `The gateway answered: ${error.message}`));
    return;
  }
  state.id = id;
  state.version = version && prompt.versions.some((v) => v.version === version) ? version : prompt.latest_version;
  for (const row of document.querySelectorAll('#prompts-table tbody tr')) row.classList.toggle('selected', row.dataset.id === id);
  const shown = prompt.versions.find((v) => v.version === state.version);
  const versions = h('table', { class: 'table', id: 'versions-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Labels'), h('th', {}, 'Variables'), h('th', {}, 'Note'), h('th', {}, 'Saved'))),
    h('tbody', {}, ...[...prompt.versions].reverse().map((v) =>
      h('tr', { tabindex: 0, class: v.version === state.version ? 'selected' : null, dataset: { version: String(v.version) },
        onclick: () => showPrompt(id, v.version), onkeydown: (event) => { if (event.key === 'Enter') showPrompt(id, v.version); } },
        h('td', { class: 'num' }, String(v.version)),
        h('td', {}, labelPills(prompt.labels, v.version)),
        h('td', { class: 'mono' }, (v.variables || []).join(', ') || format.missing),
        h('td', {}, v.template?.note ?? ''),
        h('td', { class: 'muted' }, `${format.dateTime(format.epochMillis(v.created_at))} · ${v.created_by ?? ''}`)))));
  $('#prompt-title').textContent = id;
  $('#prompt-body').replaceChildren(
    versions,
    shown ? template(shown) : null,
    labelForm(prompt));
  $('#prompt-card').hidden = false;
  $('#prompt-card').dataset.prompt = id;
  $('#prompt-card').dataset.version = String(state.version);
}

function template(version) {
  const t = version.template || {};
  return h('section', { class: 'section', dataset: { section: 'template' } },
    h('h3', {}, `Version ${version.version}`),
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, 'Model'), h('dd', { class: 'mono' }, t.model ?? format.missing)),
      h('div', {}, h('dt', {}, 'Variables'), h('dd', { class: 'mono', dataset: { field: 'variables' } }, (version.variables || []).join(', ') || 'none'))),
    h('pre', { class: 'body', dataset: { field: 'messages' } },
      (t.messages || []).map((m) => `${m.role}: ${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`).join('\n\n')),
    t.parameters && Object.keys(t.parameters).length
      ? h('details', {}, h('summary', {}, 'Parameters'), h('pre', { class: 'body' }, JSON.stringify(t.parameters, null, 2))) : null,
    t.partials && Object.keys(t.partials).length
      ? h('details', {}, h('summary', {}, 'Partials'), h('pre', { class: 'body' }, JSON.stringify(t.partials, null, 2))) : null,
    t.config !== undefined && t.config !== null
      ? h('details', {}, h('summary', {}, 'Config'), h('pre', { class: 'body' }, JSON.stringify(t.config, null, 2))) : null);
}

/** Point a label (production, staging, a new one) at a version: the admin API's move. */
function labelForm(prompt) {
  const label = h('input', { class: 'input compact', name: 'label', value: 'production', 'aria-label': 'Label', required: true });
  const version = h('select', { name: 'version', 'aria-label': 'Version' },
    ...[...prompt.versions].reverse().map((v) => h('option', { value: String(v.version), selected: v.version === state.version }, `version ${v.version}`)));
  const result = h('span', { class: 'muted', dataset: { field: 'result' } });
  return h('form', { class: 'label-form', id: 'label-form', onsubmit: async (event) => {
    event.preventDefault();
    const name = label.value.trim();
    const number = Number(version.value);
    try {
      await api.moveLabel(prompt.id, name, number);
      await loadPrompts();
      $('#label-form [data-field=result]').textContent = `${name} now points at version ${number}.`;
    } catch (error) {
      result.textContent = `The gateway answered: ${error.message}`;
    }
  } },
  h('span', {}, 'Move label'), label, h('span', {}, 'to'), version,
  h('button', { type: 'submit', class: 'button primary' }, 'Move'), result);
}
