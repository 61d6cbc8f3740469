// The gateway's logs and analytics API, as the dashboard calls it. Paths are relative to the page
// (/dashboard/), so a gateway mounted under a prefix by a proxy still works.

/** A failed call: the HTTP status and the message of the gateway's OpenAI-shaped error. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function url(path, params = {}) {
  const target = new URL(path, document.baseURI);
  // A page opened as http://user:token@host/ has them in its base URL, and fetch refuses such a
  // URL; the browser keeps the credentials and sends them when the gateway asks.
  target.username = '';
  target.password = '';
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      target.searchParams.set(name, value);
    }
  }
  return target;
}

async function getJson(path, params) {
  return call(fetch(url(path, params), {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  }));
}

/** A PUT or POST of a JSON body, for the admin API's changes. */
function sendJson(method, path, body) {
  return call(fetch(url(path), {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  }));
}

async function call(pending) {
  const response = await pending;
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = (await response.json()).error.message || message;
    } catch {
      // Not the gateway's error shape (a proxy's page): keep the status text.
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

/** GET /v1/analytics: metrics per time bucket and cohort, and totals per cohort. */
export function analytics({ from, to, bucket, groupBy }) {
  return getJson('../v1/analytics', { from, to, bucket, group_by: groupBy });
}

/** GET /v1/logs: one page of records, newest first, with the cursor of the next page. */
export function logs(filters, cursor, limit = 50) {
  return getJson('../v1/logs', { ...filters, cursor, limit });
}

/** GET /v1/logs/{id}: one record with its feedback. */
export function log(id) {
  return getJson(`../v1/logs/${encodeURIComponent(id)}`);
}

/**
 * GET /v1/logs/tail as Server-Sent Events: onRecord is called with each record as its request
 * finishes, onState with true or false as the connection opens or drops (the browser reconnects).
 */
export function tail(onRecord, onState) {
  const events = new EventSource(url('../v1/logs/tail'));
  events.onopen = () => onState(true);
  events.onerror = () => onState(false);
  events.onmessage = (event) => {
    try {
      onRecord(JSON.parse(event.data));
    } catch {
      // A heartbeat or a line that is not a record.
    }
  };
  return events;
}

/** GET /v1/admin/{what}: workspaces, keys or virtual-keys, as {object: 'list', data: [...]}. */
export function admin(what) {
  return getJson(`../v1/admin/${what}`);
}

/** GET /v1/admin/usage: a subject's limits and its usage against them. */
export function usage(subject) {
  return getJson('../v1/admin/usage', { subject });
}

/** GET /v1/admin/prompts/{id}: a prompt with its labels and every version. */
export function prompt(id) {
  return getJson(`../v1/admin/prompts/${encodeURIComponent(id)}`);
}

/** PUT /v1/admin/prompts/{id}/labels/{label}: points the label at a version. */
export function moveLabel(id, label, version) {
  return sendJson('PUT', `../v1/admin/prompts/${encodeURIComponent(id)}/labels/${encodeURIComponent(label)}`, { version });
}

/** GET /v1/admin/configs/{id}[/history|/versions/{n}]: a saved config, its audit trail, a version. */
export function config(id, part = '') {
  return getJson(`../v1/admin/configs/${encodeURIComponent(id)}${part}`);
}

/** POST /v1/admin/configs/{id}/rollback: saves an earlier version's config as the next version. */
export function rollbackConfig(id, version) {
  return sendJson('POST', `../v1/admin/configs/${encodeURIComponent(id)}/rollback`, { version });
}
