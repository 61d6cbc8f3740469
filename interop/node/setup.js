// Where the suite's gateway and upstreams are, from the environment, and the upstreams each test
// runs against. See docs/clients.md, "Node SDKs (interop)".
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`set ${name} (see docs/clients.md, "Node SDKs (interop)")`);
  }
  return value.replace(/\/+$/, '');
}

/** The gateway's base URL, with its /v1: what both SDKs take as baseURL. */
export const gatewayUrl = required('SWITCHBOARD_BASE_URL');

/** Which gateway answers: `switchboard` (the default) or `portkey` (Portkey's, for comparison). */
export const gateway = process.env.INTEROP_GATEWAY ?? 'switchboard';
if (!['switchboard', 'portkey'].includes(gateway)) {
  throw new Error(`INTEROP_GATEWAY is switchboard or portkey, not ${gateway}`);
}
export const isSwitchboard = gateway === 'switchboard';

/**
 * Why a test is skipped against Portkey's gateway: where Portkey 1.15.2 differs from Switchboard
 * on purpose or lacks the feature (docs/clients.md, "Node SDKs (interop)"); false (run) against
 * Switchboard.
 */
export function onlySwitchboard(why) {
  return isSwitchboard ? false : `Portkey's gateway: ${why}`;
}

/**
 * Whether a response carries a trace id. Portkey's gateway answers an empty x-portkey-trace-id
 * when the client sent none (docs/headers.md); Switchboard makes one.
 */
export function assertTraceId(value) {
  if (isSwitchboard) {
    assert.match(value ?? '', /^[0-9a-f-]{36}$/);
  } else {
    assert.equal(value, '');
  }
}

/** A FakeOpenAi that answers, requiring this key. */
export const fakeOpenAi = {
  url: required('FAKE_OPENAI_BASE_URL'),
  apiKey: process.env.FAKE_OPENAI_API_KEY ?? 'sk-interop',
};
/** A FakeOpenAi that answers every request with OpenAI's 429. */
export const rateLimitedUrl = required('FAKE_OPENAI_429_BASE_URL');
/** A FakeOpenAi that answers every request with OpenAI's 503. */
export const overloadedUrl = required('FAKE_OPENAI_503_BASE_URL');
/** A FakeOpenAi whose streams end after three events with OpenAI's in-band 500 error event. */
export const streamErrorUrl = required('FAKE_OPENAI_STREAM_ERROR_BASE_URL');

/**
 * The upstreams the chat, stream and tool tests run against, each as headers (for OpenAI's SDK)
 * and as Portkey client options. The offline `mock` provider is Switchboard's own.
 */
export const upstreams = [
  {
    name: 'mock provider',
    model: 'mock-chat',
    headers: { 'x-portkey-provider': 'mock' },
    apiKey: 'unused',
    portkey: { provider: 'mock' },
    reply: (said) => `Mock reply. You said: ${said}`,
    toolReply: (results) => `Mock reply. Tool results: ${results.join('; ')}`,
    structuredOutput: true,
    // The text the upstream fills a JSON schema's strings with.
    sampleText: 'mock',
  },
  {
    name: 'FakeOpenAi as custom host',
    model: 'gpt-4o-mini',
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': fakeOpenAi.url },
    apiKey: fakeOpenAi.apiKey,
    portkey: {
      provider: 'openai',
      customHost: fakeOpenAi.url,
      Authorization: `Bearer ${fakeOpenAi.apiKey}`,
    },
    reply: (said) => `Hello from the fake OpenAI. You said: ${said}`,
    toolReply: (results) => `Tool results received: ${results.join('; ')}`,
    structuredOutput: true,
    sampleText: 'sample',
  },
].filter((upstream) => isSwitchboard || upstream.name !== 'mock provider');

/** A target in a config, for an upstream that is always in error. */
export function failingTarget(url) {
  return { provider: 'openai', custom_host: url, api_key: 'sk-failing' };
}

/** The answering FakeOpenAi as a config target. */
export function fakeTarget(extra = {}) {
  return { provider: 'openai', custom_host: fakeOpenAi.url, api_key: fakeOpenAi.apiKey, ...extra };
}

/** Words no earlier run sent, so that a cache a long-running gateway keeps cannot answer. */
export function fresh(text) {
  return `${text} ${randomUUID()}`;
}

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

export const timeTool = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'The local time in a time zone',
    parameters: {
      type: 'object',
      properties: { zone: { type: 'string' }, twenty_four_hours: { type: 'boolean' } },
      required: ['zone', 'twenty_four_hours'],
      additionalProperties: false,
    },
  },
};
