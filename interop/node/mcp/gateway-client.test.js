// The TypeScript SDK (`@modelcontextprotocol/sdk`, pinned by interop/node/package-lock.json) as a
// client of the gateway's MCP endpoints, /mcp and /mcp/<server>: initialize, the namespaced union of
// tools, calls, resources and prompts passed through, progress, cancellation, tools/list_changed,
// sampling and elicitation relayed from the upstream server, and a crashing upstream. The gateway
// (SWITCHBOARD_URL) fronts `ts` (interop/node/mcp/upstream-server.js over stdio), `calc` (a Java SDK
// stdio server) and `web` (a Java SDK Streamable HTTP server). Run by McpTypeScriptSdkTest.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

const gatewayUrl = process.env.SWITCHBOARD_URL;
if (!gatewayUrl) {
  throw new Error('set SWITCHBOARD_URL to the gateway (see docs/mcp.md)');
}
const clients = [];

async function connect(path, capabilities = {}) {
  const client = new Client({ name: 'ts-interop', version: '1.0.0' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(path, gatewayUrl)));
  clients.push(client);
  return client;
}

function text(result) {
  return result.content[0].text;
}

async function eventually(what, check, attempts = 300) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`never happened: ${what}`);
}

after(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

describe('the TypeScript SDK against the gateway', () => {
  test('initialize: the gateway names itself and offers tools, prompts and resources', async () => {
    const client = await connect('/mcp');
    assert.equal(client.getServerVersion().name, 'switchboard');
    const capabilities = client.getServerCapabilities();
    assert.ok(capabilities.tools);
    assert.ok(capabilities.prompts);
    assert.ok(capabilities.resources);
  });

  test('tools/list at /mcp: the union of every server, namespaced', async () => {
    const client = await connect('/mcp');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    for (const name of ['ts__greet', 'ts__count', 'calc__add', 'web__echo']) {
      assert.ok(names.includes(name), `${name} in ${names}`);
    }
    assert.ok(!names.includes('greet'));
  });

  test('tools/call is routed to the server that owns the tool', async () => {
    const client = await connect('/mcp');
    assert.equal(text(await client.callTool({ name: 'ts__greet', arguments: { name: 'Ada' } })), 'hello, Ada');
    assert.equal(text(await client.callTool({ name: 'calc__add', arguments: { a: 2, b: 40 } })), '42.0');
    assert.equal(text(await client.callTool({ name: 'web__echo', arguments: { text: 'hi' } })), 'echo: hi');
  });

  test("/mcp/ts: one server's tools and prompts under their own names", async () => {
    const client = await connect('/mcp/ts');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('greet') && !names.some((name) => name.includes('__')), `${names}`);
    assert.equal(text(await client.callTool({ name: 'greet', arguments: { name: 'Bo' } })), 'hello, Bo');
    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    assert.deepEqual(prompts, ['review']);
  });

  test('resources and prompts are passed through', async () => {
    const client = await connect('/mcp');
    const resources = (await client.listResources()).resources.map((resource) => resource.uri);
    assert.ok(resources.includes('note://readme'), `${resources}`);
    const read = await client.readResource({ uri: 'note://readme' });
    assert.equal(read.contents[0].text, 'read me first');
    const prompts = (await client.listPrompts()).prompts.map((prompt) => prompt.name);
    assert.ok(prompts.includes('ts__review'), `${prompts}`);
    const prompt = await client.getPrompt({ name: 'ts__review', arguments: { code: 'x = 1' } });
    assert.equal(prompt.messages[0].content.text, 'Please review: x = 1');
  });

  test("an upstream tool's progress notifications reach the client that called it", async () => {
    const client = await connect('/mcp');
    const seen = [];
    const result = await client.callTool({ name: 'ts__count', arguments: { steps: 3 } }, undefined, {
      onprogress: (progress) => seen.push(progress),
    });
    assert.equal(text(result), 'counted to 3');
    // The gateway relays them in increasing order, dropping one that another overtook, and the
    // answer waits for them: the last step (never overtaken) is there before the result.
    assert.ok(seen.length > 0, 'no progress notification');
    assert.equal(seen.at(-1).progress, 3, JSON.stringify(seen));
    for (const [index, progress] of seen.entries()) {
      assert.equal(progress.total, 3);
      assert.equal(progress.message, `step ${progress.progress}`);
      assert.ok(index === 0 || progress.progress > seen[index - 1].progress, JSON.stringify(seen));
    }
  });

  test("a client's cancellation reaches the upstream, whose call stops", async () => {
    const client = await connect('/mcp');
    const before = Number(text(await client.callTool({ name: 'ts__cancellations', arguments: {} })));
    const abort = new AbortController();
    const call = client.callTool({ name: 'ts__wait', arguments: {} }, undefined, {
      signal: abort.signal,
      // The upstream reports that it is waiting: then cancel.
      onprogress: () => abort.abort('the user changed their mind'),
    });
    await assert.rejects(call);
    await eventually('the upstream saw the cancellation', async () => {
      const count = Number(text(await client.callTool({ name: 'ts__cancellations', arguments: {} })));
      return count === before + 1;
    });
  });

  test("an upstream's tools/list_changed reaches connected clients and the union", async () => {
    const client = await connect('/mcp');
    const own = await connect('/mcp/ts');
    let changed = 0;
    let ownChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => changed++);
    own.setNotificationHandler(ToolListChangedNotificationSchema, () => ownChanged++);
    assert.equal(text(await client.callTool({ name: 'ts__grow', arguments: {} })), 'grown');
    await eventually('tools/list_changed at both endpoints', () => changed > 0 && ownChanged > 0);
    await eventually('the new tool listed', async () =>
      (await client.listTools()).tools.some((tool) => tool.name === 'ts__extra'));
    assert.equal(text(await client.callTool({ name: 'ts__extra', arguments: {} })), 'extra');
    assert.ok((await own.listTools()).tools.some((tool) => tool.name === 'extra'));
  });

  test("an upstream's sampling request is relayed to the client", async () => {
    const client = await connect('/mcp', { sampling: {} });
    const asked = [];
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      asked.push(request.params.messages[0].content.text);
      return { role: 'assistant', model: 'client-model', content: { type: 'text', text: 'four' } };
    });
    const result = await client.callTool({ name: 'ts__ask_model', arguments: { question: '2 + 2?' } });
    assert.equal(text(result), 'the model said: four');
    assert.deepEqual(asked, ['2 + 2?']);
  });

  test("an upstream's elicitation request is relayed to the client", async () => {
    const client = await connect('/mcp/ts', { elicitation: {} });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      assert.equal(request.params.message, 'What is your name?');
      return { action: 'accept', content: { name: 'Grace' } };
    });
    assert.equal(text(await client.callTool({ name: 'ask_user', arguments: {} })), 'accept: Grace');
  });

  test('a sampling request to a client without the capability fails the call cleanly', async () => {
    const client = await connect('/mcp');
    // The upstream's request is refused; the TS SDK's server makes that the tool's error result.
    const result = await client.callTool({ name: 'ts__ask_model', arguments: { question: 'hi?' } });
    assert.equal(result.isError, true);
    assert.match(text(result), /does not offer sampling/);
    assert.equal(text(await client.callTool({ name: 'ts__greet', arguments: { name: 'again' } })), 'hello, again');
  });

  test('an upstream that crashes mid-call is a JSON-RPC error; once restarted its tools work again', async () => {
    const client = await connect('/mcp');
    await assert.rejects(client.callTool({ name: 'calc__crash', arguments: {} }), (error) => {
      assert.equal(error.code, -32603);
      assert.match(error.message, /The MCP server 'calc'/);
      return true;
    });
    assert.equal(text(await client.callTool({ name: 'ts__greet', arguments: { name: 'still up' } })), 'hello, still up');
    // A restart that times out (a slow machine) is tried again after a back-off of up to 30 s.
    await eventually(
      'calc restarted',
      async () => {
        try {
          return text(await client.callTool({ name: 'calc__add', arguments: { a: 1, b: 2 } })) === '3.0';
        } catch {
          return false;
        }
      },
      1200,
    );
  });
});
