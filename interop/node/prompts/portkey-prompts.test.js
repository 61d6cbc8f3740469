// Portkey's Node SDK (`portkey-ai`) calling prompts saved in the gateway: prompts.render and
// prompts.completions.create (whole and streamed), by id, by version and by label. The prompt is
// saved through the gateway's admin API first (SWITCHBOARD_ADMIN_TOKEN). See docs/prompts.md.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { Portkey } from 'portkey-ai';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`set ${name} (see docs/prompts.md, "Portkey's SDKs")`);
  }
  return value.replace(/\/+$/, '');
}

const gatewayUrl = required('SWITCHBOARD_BASE_URL');
const adminToken = required('SWITCHBOARD_ADMIN_TOKEN');
const promptId = `support-${randomUUID().slice(0, 8)}`;

function version(system) {
  return {
    messages: [
      { role: 'system', content: `${system} {{> tone}}` },
      { role: 'user', content: '{{question}}' },
    ],
    model: 'mock-chat',
    parameters: { temperature: 0.1, max_tokens: 64 },
    config: { provider: 'mock' },
    partials: { tone: 'Answer as {{persona}}.' },
  };
}

async function admin(method, path, body) {
  const response = await fetch(`${gatewayUrl}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

// A new client per call: portkey-ai keeps the options passed to one call for every later call.
function portkey() {
  return new Portkey({ baseURL: gatewayUrl, apiKey: 'unused' });
}

describe('portkey-ai prompts against the gateway', () => {
  before(async () => {
    await admin('POST', '/prompts', { id: promptId, ...version('You are v1.') });
    await admin('POST', `/prompts/${promptId}/versions`, version('You are v2.'));
    await admin('PUT', `/prompts/${promptId}/labels/production`, { version: 1 });
  });

  test('prompts.render: the production version, rendered, in Portkey\'s answer', async () => {
    const rendered = await portkey().prompts.render({
      promptID: promptId,
      variables: { question: 'Where is my parcel?', persona: 'a pirate' },
    });

    assert.equal(rendered.success, true);
    assert.equal(rendered.data.model, 'mock-chat');
    assert.equal(rendered.data.max_tokens, 64);
    assert.deepEqual(
      rendered.data.messages.map((message) => message.content),
      ['You are v1. Answer as a pirate.', 'Where is my parcel?'],
    );
  });

  test('prompts.render: a version and a label, with a parameter overridden', async () => {
    const byVersion = await portkey().prompts.render({
      promptID: `${promptId}@2`,
      variables: { question: 'q', persona: 'p' },
      max_tokens: 5,
    });
    const byLabel = await portkey().prompts.render({
      promptID: `${promptId}@production`,
      variables: { question: 'q', persona: 'p' },
    });

    assert.equal(byVersion.data.messages[0].content, 'You are v2. Answer as p.');
    assert.equal(byVersion.data.max_tokens, 5);
    assert.equal(byLabel.data.messages[0].content, 'You are v1. Answer as p.');
  });

  test('prompts.completions.create: the chat completion of the rendered prompt', async () => {
    const said = `Whole ${randomUUID()}`;
    const completion = await portkey().prompts.completions.create({
      promptID: promptId,
      variables: { question: said, persona: 'a clerk' },
    });

    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0].message.content, `Mock reply. You said: ${said}`);
    assert.equal(completion.choices[0].finish_reason, 'stop');
  });

  test('prompts.completions.create with stream: the chunks add up to the answer', async () => {
    const said = `Streamed ${randomUUID()}`;
    const stream = await portkey().prompts.completions.create({
      promptID: `${promptId}@2`,
      variables: { question: said, persona: 'a clerk' },
      stream: true,
    });

    let text = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.ok(chunks > 1, `${chunks} chunks`);
    assert.equal(text, `Mock reply. You said: ${said}`);
  });

  test('a missing variable: the SDK\'s error carries the gateway\'s 400 naming it', async () => {
    await assert.rejects(
      portkey().prompts.completions.create({ promptID: promptId, variables: { question: 'q' } }),
      (error) => {
        assert.equal(error.status, 400);
        assert.match(error.message, /persona/);
        return true;
      },
    );
  });
});
