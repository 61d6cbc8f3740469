// The "Configs" view: the saved configs (GET /v1/admin/configs), one config's versions and audit
// trail, a version's config, and a rollback (POST /v1/admin/configs/{id}/rollback), with the admin
// token as the prompts view asks for it. The API hides the credentials a config holds.
import * as api from './api.js';
import * as format from './format.js';
import { h, pill } from './dom.js';
import { adminNotice, adminRefusal, signedIn } from './access.js';

const $ = (selector) => document.querySelector(selector);

const state = { id: null, version: null };

/** Loads and draws the list (and the config shown); resolves to null, or to the banner's error. */
export async function loadConfigs() {
  let list;
  try {
    list = await signedIn(() => api.admin('configs'));
  } catch (error) {
    $('#config-card').hidden = true;
    return adminRefusal('configs', error, 'Saved configs are managed through the admin API; see docs/routing.md.');
  }
  adminNotice('configs', null);
  const rows = list.data.map((c) =>
    h('tr', { tabindex: 0, class: c.id === state.id ? 'selected' : null, dataset: { id: c.id },
      onclick: () => showConfig(c.id), onkeydown: (event) => { if (event.key === 'Enter') showConfig(c.id); } },
      h('td', { class: 'mono' }, c.id),
      h('td', { class: 'num' }, String(c.latest_version)),
      h('td', { class: 'muted' }, c.created_by ?? format.missing),
      h('td', { class: 'muted' }, format.dateTime(format.epochMillis(c.created_at)))));
  $('#configs-table tbody').replaceChildren(...rows);
  $('#configs-table + .empty').hidden = rows.length > 0;
  if (state.id) await showConfig(state.id, state.version);
  document.body.dataset.configs = 'loaded';
  return null;
}

/** One config: its versions (each a rollback target while earlier than the latest), its trail. */
async function showConfig(id, version) {
  let config;
  let history;
  let shown;
  try {
    [config, history] = await Promise.all([api.config(id), api.config(id, '/history')]);
    const number = version && config.versions.some((v) => v.version === version) ? version : config.latest_version;
    shown = await api.config(id, `/versions/${number}`);
  } catch (error) {
    $('#config-card').hidden = false;
    $('#config-body').replaceChildren(h('p', { class: 'empty' }, `The gateway answered: ${error.message}`));
    return;
  }
  state.id = id;
  state.version = shown.version;
  for (const row of document.querySelectorAll('#configs-table tbody tr')) row.classList.toggle('selected', row.dataset.id === id);
  const result = h('p', { class: 'muted', dataset: { field: 'result' } });
  const versions = h('table', { class: 'table', id: 'config-versions' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Saved'), h('th', {}, 'By'), h('th', {}, ''))),
    h('tbody', {}, ...[...config.versions].reverse().map((v) =>
      h('tr', { tabindex: 0, class: v.version === state.version ? 'selected' : null, dataset: { version: String(v.version) },
        onclick: () => showConfig(id, v.version), onkeydown: (event) => { if (event.key === 'Enter') showConfig(id, v.version); } },
        h('td', { class: 'num' }, String(v.version), v.version === config.latest_version ? ' ' : null,
          v.version === config.latest_version ? pill('in service', 'ok') : null),
        h('td', { class: 'muted' }, format.dateTime(format.epochMillis(v.created_at))),
        h('td', { class: 'muted' }, v.created_by ?? format.missing),
        h('td', {}, v.version < config.latest_version
          ? h('button', { class: 'button', dataset: { rollback: String(v.version) }, onclick: (event) => rollback(event, id, v.version, result) },
            `Roll back to ${v.version}`)
          : null)))));
  const trail = h('table', { class: 'table', id: 'config-history' },
    h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'), h('th', {}, 'What'), h('th', {}, 'Version'))),
    h('tbody', {}, ...[...history.data].reverse().map((change) =>
      h('tr', {},
        h('td', { class: 'muted' }, format.dateTime(format.epochMillis(change.at))),
        h('td', {}, change.actor),
        h('td', {}, change.rolled_back_to !== undefined && change.rolled_back_to !== null
          ? `${change.action} to ${change.rolled_back_to}` : change.action),
        h('td', { class: 'num' }, String(change.version))))));
  $('#config-title').textContent = id;
  $('#config-body').replaceChildren(
    versions, result,
    h('section', { class: 'section', dataset: { section: 'config' } },
      h('h3', {}, `Version ${shown.version}`),
      h('pre', { class: 'body', dataset: { field: 'config' } }, JSON.stringify(shown.config, null, 2))),
    h('section', { class: 'section', dataset: { section: 'history' } }, h('h3', {}, 'Audit trail'), trail));
  $('#config-card').hidden = false;
  $('#config-card').dataset.config = id;
  $('#config-card').dataset.version = String(state.version);
}

async function rollback(event, id, version, result) {
  event.stopPropagation();
  try {
    const made = await api.rollbackConfig(id, version);
    state.version = made.version;
    await loadConfigs();
    $('#config-body [data-field=result]').textContent = `Version ${version} is back in service as version ${made.version}.`;
  } catch (error) {
    result.textContent = `The gateway answered: ${error.message}`;
  }
}
