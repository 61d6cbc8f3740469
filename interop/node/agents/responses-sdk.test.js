// The official OpenAI Node SDK's Responses API (`client.responses`), pointed at the gateway by its
// base URL: a function tool over two turns, whole and streamed, against providers that speak only
// chat completions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { WEATHER, fresh, gatewayUrl, upstreams, weatherFunction } from './setup.js';

const INSTRUCTIONS = 'You are a weather bot. Use the tool.';

/** The items of the second turn: the first turn's input, its output, and the tool's result. */
function withToolResult(input, output, call) {
  return [
    ...input,
    ...output,
    { type: 'function_call_output', call_id: call.call_id, output: WEATHER },
  ];
}

function assertWeatherCall(call) {
  assert.equal(call?.type, 'function_call', `no function call in ${JSON.stringify(call)}`);
  assert.equal(call.name, 'get_weather');
  assert.match(call.call_id, /\S/);
  assert.equal(typeof JSON.parse(call.arguments).city, 'string');
}

/** Reads a Responses stream: its events in order, checked as OpenAI numbers them. */
async function events(stream) {
  const seen = [];
  for await (const event of stream) {
    seen.push(event);
  }
  assert.ok(seen.length >= 4, `only ${seen.length} events`);
  assert.equal(seen[0].type, 'response.created');
  assert.equal(seen.at(-1).type, 'response.completed');
  seen.forEach((event, index) => assert.equal(event.sequence_number, index, event.type));
  return seen;
}

for (const upstream of upstreams) {
  describe(`OpenAI Node SDK's Responses API through the gateway to the ${upstream.name}`, () => {
    const openai = new OpenAI({
      baseURL: gatewayUrl,
      apiKey: upstream.apiKey,
      defaultHeaders: upstream.headers,
      maxRetries: 0,
    });

    test('a function call, its output sent back, an answer that quotes it', async () => {
      const input = [{ role: 'user', content: fresh('Weather in Paris?') }];
      const first = await openai.responses.create({
        model: upstream.model,
        instructions: INSTRUCTIONS,
        input,
        tools: [weatherFunction],
        store: false,
      });

      assert.equal(first.object, 'response');
      assert.equal(first.status, 'completed');
      const calls = first.output.filter((item) => item.type === 'function_call');
      assert.equal(calls.length, 1, JSON.stringify(first.output));
      assertWeatherCall(calls[0]);
      assert.ok(first.usage.input_tokens > 0);

      const second = await openai.responses.create({
        model: upstream.model,
        instructions: INSTRUCTIONS,
        input: withToolResult(input, first.output, calls[0]),
        tools: [weatherFunction],
        store: false,
      });

      assert.equal(second.status, 'completed');
      assert.equal(second.output_text, upstream.toolReply([WEATHER]));
      assert.ok(second.usage.output_tokens > 0);
    });

    test('streamed: the call arrives in argument deltas, the answer in text deltas', async () => {
      const input = [{ role: 'user', content: fresh('Weather in Rome?') }];
      const request = {
        model: upstream.model,
        instructions: INSTRUCTIONS,
        tools: [weatherFunction],
        store: false,
        stream: true,
      };
      const first = await events(await openai.responses.create({ ...request, input }));

      const added = first.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
      assert.ok(added, first.map((e) => e.type).join(' '));
      const deltas = first
        .filter((e) => e.type === 'response.function_call_arguments.delta')
        .map((e) => e.delta)
        .join('');
      const done = first.find((e) => e.type === 'response.function_call_arguments.done');
      assert.equal(deltas, done.arguments);
      const call = first.find((e) => e.type === 'response.output_item.done' && e.item.type === 'function_call').item;
      assertWeatherCall(call);
      assert.equal(call.arguments, done.arguments);
      const completed = first.at(-1).response;
      assert.deepEqual(
        completed.output.filter((item) => item.type === 'function_call'),
        [call],
      );

      const second = await events(
        await openai.responses.create({ ...request, input: withToolResult(input, completed.output, call) }),
      );
      const text = second
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('');
      assert.equal(text, upstream.toolReply([WEATHER]));
      assert.equal(second.find((e) => e.type === 'response.output_text.done').text, text);
      const answer = second.at(-1).response;
      assert.equal(answer.status, 'completed');
      assert.equal(
        answer.output.find((item) => item.type === 'message').content[0].text,
        text,
      );
    });
  });
}
