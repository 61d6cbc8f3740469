// The "Keys & budgets" view: workspaces, gateway keys, virtual keys and each limited subject's use
// of its limits, read from the admin API (GET /v1/admin/*). The API never sends a key's secret or a
// virtual key's credentials, so the page cannot show them; everything goes in as text.
import * as api from './api.js';
import * as format from './format.js';
import { h, pill } from './dom.js';

/** At most this many usage calls per refresh (one per limited subject). */
const MAX_SUBJECTS = 200;

const $ = (selector) => document.querySelector(selector);

/**
 * Loads and draws the view. Resolves to null when done, or to the error to show in the banner
 * (a 401: the browser has no admin token yet).
 */
export async function loadAccess() {
  let workspaces;
  let keys;
  let virtualKeys;
  const lists = () => Promise.all([api.admin('workspaces'), api.admin('keys'), api.admin('virtual-keys')]);
  try {
    [workspaces, keys, virtualKeys] = await signedIn(lists);
  } catch (error) {
    return adminRefusal('access', error, KEPT_BY);
  }
  adminNotice('access', null);
  renderWorkspaces(workspaces.data);
  renderKeys(keys.data);
  renderVirtualKeys(virtualKeys.data);
  await renderUsage(subjects(workspaces.data, keys.data, virtualKeys.data));
  document.body.dataset.access = 'loaded';
  return null;
}

const KEPT_BY = "Keys, virtual keys and budgets are kept by the gateway's access control; see docs/access.md.";

/**
 * An admin API call: a browser that has not yet signed in for the realm gets a 401; the logs API's
 * challenge makes it answer with the token it signed in with (or ask for it); then once more.
 */
export async function signedIn(call) {
  try {
    return await call();
  } catch (error) {
    if (error.status !== 401) throw error;
    await api.logs({}, null, 1);
    return call();
  }
}

/**
 * What an admin view shows for a failed call: for 404 (the admin API or the feature is off) and
 * 403, a notice in place of its cards (resolves to null); else the error, for the banner.
 */
export function adminRefusal(view, error, keptBy) {
  if (error.status === 404 || error.status === 403) {
    adminNotice(view, error.status === 403 ? `The gateway refused: ${error.message}` : error.message, keptBy);
    return null;
  }
  return error;
}

/** The view's notice (#<view>-off) in place of its cards (.<view>-card), or the cards again. */
export function adminNotice(view, message, keptBy) {
  const notice = $(`#${view}-off`);
  notice.hidden = !message;
  notice.textContent = message ? `${message} ${keptBy}` : '';
  for (const card of document.querySelectorAll(`#view-${view} .${view}-card`)) card.hidden = !!message;
}

// ---- Tables ----

function renderWorkspaces(workspaces) {
  const rows = workspaces.map((workspace) =>
    h('tr', { dataset: { id: workspace.id } },
      h('td', { class: 'mono' }, workspace.id),
      h('td', {}, workspace.name ?? format.missing),
      h('td', {}, limitsText(workspace.limits)),
      h('td', { class: 'muted' }, when(workspace.created_at))));
  fill('#workspaces-table', rows);
}

function renderKeys(keys) {
  const rows = keys.map((key) => {
    const scopes = key.scopes || {};
    return h('tr', { dataset: { id: key.id } },
      h('td', { class: 'mono', title: key.id }, key.display_prefix, h('span', { class: 'muted' }, '…')),
      h('td', {}, key.name ?? format.missing),
      h('td', { class: 'mono' }, key.workspace),
      h('td', { class: 'scopes' }, (scopes.permissions || []).map((permission) => h('span', { class: 'tag' }, permission))),
      h('td', { class: 'wrap' }, reach(scopes)),
      h('td', {}, limitsText(key.limits)),
      h('td', { class: 'muted' }, when(key.created_at)),
      h('td', { class: 'muted' }, key.expires_at ? when(key.expires_at) : 'never'),
      h('td', {}, status(key.revoked_at, key.expires_at)));
  });
  fill('#keys-table', rows);
}

function renderVirtualKeys(virtualKeys) {
  const rows = virtualKeys.map((virtualKey) =>
    h('tr', { dataset: { id: `${virtualKey.workspace}/${virtualKey.slug}` } },
      h('td', { class: 'mono' }, virtualKey.slug),
      h('td', { class: 'mono' }, virtualKey.workspace),
      h('td', {}, virtualKey.provider),
      h('td', {}, (virtualKey.credential_names || []).map((name) => h('span', { class: 'tag' }, name))),
      h('td', {}, limitsText(virtualKey.limits)),
      h('td', { class: 'muted' }, when(virtualKey.created_at)),
      h('td', { class: 'muted' }, virtualKey.rotated_at ? when(virtualKey.rotated_at) : format.missing),
      h('td', {}, status(virtualKey.revoked_at, null))));
  fill('#virtual-keys-table', rows);
}

function fill(table, rows) {
  $(`${table} tbody`).replaceChildren(...rows);
  $(`${table} + .empty`).hidden = rows.length > 0;
}

/** Providers, models, configs and virtual keys a key may reach: "any" where unrestricted. */
function reach(scopes) {
  const parts = [];
  for (const [name, label] of [['providers', 'providers'], ['models', 'models'], ['configs', 'configs'], ['virtual_keys', 'virtual keys']]) {
    const values = scopes[name];
    if (values === null || values === undefined) continue;
    parts.push(`${label}: ${values.length ? values.join(', ') : 'none'}`);
  }
  return parts.length ? parts.join(' · ') : 'any provider, model, config';
}

function limitsText(limits) {
  if (!limits) return 'none';
  const parts = [];
  if (limits.requests_per_minute !== null && limits.requests_per_minute !== undefined) parts.push(`${format.count(limits.requests_per_minute)} rpm`);
  if (limits.tokens_per_minute !== null && limits.tokens_per_minute !== undefined) parts.push(`${format.count(limits.tokens_per_minute)} tpm`);
  const budget = limits.budget;
  if (budget) {
    const per = budget.period === 'never' ? ' in all' : ` / ${budget.period}`;
    if (budget.cost_usd !== null && budget.cost_usd !== undefined) parts.push(`${format.usd(budget.cost_usd)}${per}`);
    if (budget.tokens !== null && budget.tokens !== undefined) parts.push(`${format.count(budget.tokens)} tokens${per}`);
  }
  return parts.length ? parts.join(' · ') : 'none';
}

function status(revokedAt, expiresAt) {
  if (revokedAt) return pill('revoked', 'err');
  if (expiresAt && format.epochMillis(expiresAt) <= Date.now()) return pill('expired', 'warn');
  return pill('active', 'ok');
}

function when(instant) {
  return instant ? format.dateTime(format.epochMillis(instant)) : format.missing;
}

// ---- Usage against limits ----

/** Every subject with limits that still works: workspaces, keys, virtual keys. */
function subjects(workspaces, keys, virtualKeys) {
  const limited = (limits) => limits && (limits.requests_per_minute != null || limits.tokens_per_minute != null || limits.budget);
  return [
    ...workspaces.filter((w) => limited(w.limits)).map((w) => ({ subject: `workspace:${w.id}`, kind: 'workspace', label: w.id, sub: w.name })),
    ...keys.filter((k) => limited(k.limits) && !k.revoked_at).map((k) => ({ subject: `key:${k.id}`, kind: 'key', label: `${k.display_prefix}…`, sub: [k.name, k.workspace].filter(Boolean).join(' · ') })),
    ...virtualKeys.filter((v) => limited(v.limits) && !v.revoked_at).map((v) => ({ subject: `virtual_key:${v.workspace}/${v.slug}`, kind: 'virtual key', label: `${v.workspace}/${v.slug}`, sub: v.provider })),
  ].slice(0, MAX_SUBJECTS);
}

async function renderUsage(list) {
  const reports = await Promise.all(list.map((entry) =>
    api.usage(entry.subject).then((report) => ({ entry, report }), (error) => ({ entry, error }))));
  const rows = reports.map(({ entry, report, error }) => {
    const limits = report?.subject?.limits || {};
    const usage = report?.usage || {};
    const budget = limits.budget;
    return h('tr', { dataset: { subject: entry.subject } },
      h('td', {},
        h('div', {}, h('span', { class: 'tag kind' }, entry.kind), ' ', h('span', { class: 'mono' }, entry.label)),
        entry.sub ? h('div', { class: 'muted small' }, entry.sub) : null),
      h('td', { class: 'budget-cell' },
        error ? h('span', { class: 'muted' }, error.message)
          : budget ? budgetBars(budget, usage) : h('span', { class: 'muted' }, 'no budget')),
      h('td', {}, error ? null : rate('requests', usage.requests_this_minute, limits.requests_per_minute)),
      h('td', {}, error ? null : rate('tokens', usage.tokens_this_minute, limits.tokens_per_minute)),
      h('td', { class: 'muted' }, budget ? periodText(budget.period, usage.period_start) : format.missing));
  });
  fill('#usage-table', rows);
}

/** One bar per budget the subject has: dollars, tokens, or both. */
function budgetBars(budget, usage) {
  const bars = [];
  if (budget.cost_usd !== null && budget.cost_usd !== undefined) {
    bars.push(bar('usd', usage.spent_usd ?? '0', usage.reserved_usd ?? '0', budget.cost_usd, format.usd));
  }
  if (budget.tokens !== null && budget.tokens !== undefined) {
    bars.push(bar('tokens', usage.spent_tokens ?? 0, usage.reserved_tokens ?? 0, budget.tokens, (v) => `${format.count(Number(v))} tokens`));
  }
  return bars;
}

/**
 * A bar of spent (solid) and reserved (hatched: requests in flight, reckoned pessimistically) out
 * of the limit. The figures are the API's own, on the element's data attributes as sent.
 */
function bar(unit, spent, reserved, limit, show) {
  const total = Number(limit);
  const share = (value) => (total > 0 ? Math.min(100, (Number(value) / total) * 100) : Number(value) > 0 ? 100 : 0);
  const spentShare = share(spent);
  const reservedShare = Math.min(100 - spentShare, share(reserved));
  const used = spentShare + reservedShare;
  const tone = used >= 100 ? 'err' : used >= 80 ? 'warn' : '';
  return h('div', { class: `budget ${tone}`, dataset: { unit, spent: String(spent), reserved: String(reserved), limit: String(limit) } },
    h('div', { class: 'budget-track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': String(limit), 'aria-valuenow': String(Number(spent) + Number(reserved)), 'aria-label': `${unit} budget` },
      h('div', { class: 'budget-spent', style: { width: `${spentShare}%` } }),
      h('div', { class: 'budget-reserved', style: { width: `${reservedShare}%` } })),
    h('div', { class: 'budget-figures' },
      h('span', { class: 'spent' }, `${show(spent)} spent`),
      h('span', { class: 'muted reserved' }, ` · ${show(reserved)} reserved`),
      h('span', { class: 'muted limit' }, ` · of ${show(limit)}`)));
}

function rate(unit, used, limit) {
  if (limit === null || limit === undefined) return h('span', { class: 'muted' }, used ? `${format.count(used)} / no limit` : 'no limit');
  const share = limit > 0 ? Math.min(100, ((used ?? 0) / limit) * 100) : 100;
  return h('div', { class: `rate ${share >= 100 ? 'err' : share >= 80 ? 'warn' : ''}`, dataset: { unit, used: String(used ?? 0), limit: String(limit) } },
    h('div', { class: 'budget-track thin' }, h('div', { class: 'budget-spent', style: { width: `${share}%` } })),
    h('div', { class: 'budget-figures' }, `${format.count(used ?? 0)} / ${format.count(limit)}`));
}

function periodText(period, start) {
  if (period === 'never') return 'never resets';
  return start ? `${period} from ${new Date(format.epochMillis(start)).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}` : period;
}
