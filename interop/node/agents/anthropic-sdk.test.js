// Anthropic's official TypeScript SDK (`@anthropic-ai/sdk`) pointed at the gateway's Messages API:
// streaming tool use over two turns, against providers that speak only chat completions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { WEATHER, fresh, gatewayOrigin, upstreams } from './setup.js';

const weatherTool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

/** Streams one turn; returns Anthropic's events as they came and the SDK's reassembled message. */
async function streamed(client, request) {
  const stream = client.messages.stream(request);
  const events = [];
  stream.on('streamEvent', (event) => events.push(event));
  const message = await stream.finalMessage();
  assert.equal(events[0].type, 'message_start');
  assert.equal(events.at(-1).type, 'message_stop');
  const starts = events.filter((e) => e.type === 'content_block_start').length;
  const stops = events.filter((e) => e.type === 'content_block_stop').length;
  assert.equal(stops, starts, 'every content block is closed');
  assert.equal(starts, message.content.length);
  return { events, message };
}

for (const upstream of upstreams) {
  describe(`Anthropic's TypeScript SDK through the gateway to the ${upstream.name}`, () => {
    // The key goes as a bearer token, which the gateway hands to a provider that is not Anthropic.
    const client = new Anthropic({
      baseURL: gatewayOrigin,
      apiKey: null,
      authToken: upstream.apiKey,
      defaultHeaders: upstream.headers,
      maxRetries: 0,
    });

    test('streaming tool use: the call in input_json deltas, its result quoted in text deltas', async () => {
      const request = {
        model: upstream.model,
        max_tokens: 1024,
        system: 'You are a weather bot. Use the tool.',
        tools: [weatherTool],
      };
      const messages = [{ role: 'user', content: fresh('Weather in Paris?') }];

      const first = await streamed(client, { ...request, messages });

      assert.equal(first.message.role, 'assistant');
      assert.equal(first.message.stop_reason, 'tool_use');
      const uses = first.message.content.filter((block) => block.type === 'tool_use');
      assert.equal(uses.length, 1, JSON.stringify(first.message.content));
      assert.equal(uses[0].name, 'get_weather');
      assert.match(uses[0].id, /\S/);
      assert.equal(typeof uses[0].input.city, 'string');
      const json = first.events
        .filter((e) => e.type === 'content_block_delta' && e.delta.type === 'input_json_delta')
        .map((e) => e.delta.partial_json)
        .join('');
      assert.deepEqual(JSON.parse(json), uses[0].input);

      const second = await streamed(client, {
        ...request,
        messages: [
          ...messages,
          { role: 'assistant', content: first.message.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: uses[0].id, content: WEATHER }],
          },
        ],
      });

      assert.equal(second.message.stop_reason, 'end_turn');
      const text = second.events
        .filter((e) => e.type === 'content_block_delta' && e.delta.type === 'text_delta')
        .map((e) => e.delta.text)
        .join('');
      assert.equal(text, upstream.toolReply([WEATHER]));
      assert.deepEqual(
        second.message.content.map((block) => [block.type, block.text]),
        [['text', text]],
      );
      assert.ok(second.message.usage.output_tokens > 0);
    });
  });
}
