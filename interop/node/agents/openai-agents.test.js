// The OpenAI Agents SDK (`@openai/agents`) running an agent with a function tool through the
// gateway, on its default model API, the Responses API. Tracing is off: it would export to OpenAI.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { WEATHER, fresh, gatewayUrl, upstreams } from './setup.js';

setTracingDisabled(true);

/** A weather agent whose tool notes each city it is asked about, and a runner to the upstream. */
function weatherAgent(upstream) {
  const cities = [];
  const getWeather = tool({
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      cities.push(city);
      return WEATHER;
    },
  });
  const agent = new Agent({
    name: 'Weather bot',
    instructions: 'Answer with the weather the tool gives.',
    model: upstream.model,
    tools: [getWeather],
  });
  const runner = new Runner({
    modelProvider: new OpenAIProvider({
      useResponses: true,
      openAIClient: new OpenAI({
        baseURL: gatewayUrl,
        apiKey: upstream.apiKey,
        defaultHeaders: upstream.headers,
        maxRetries: 0,
      }),
    }),
    tracingDisabled: true,
  });
  return { agent, runner, cities };
}

for (const upstream of upstreams) {
  describe(`OpenAI Agents SDK through the gateway to the ${upstream.name}`, () => {
    test('an agent calls its function tool, then answers with what the tool said', async () => {
      const { agent, runner, cities } = weatherAgent(upstream);

      const result = await runner.run(agent, fresh('Weather in Paris?'), { maxTurns: 3 });

      assert.equal(cities.length, 1, `the tool ran ${cities.length} times`);
      assert.equal(result.finalOutput, upstream.toolReply([WEATHER]));
      const kinds = result.newItems.map((item) => item.type);
      assert.deepEqual(kinds, ['tool_call_item', 'tool_call_output_item', 'message_output_item']);
    });

    test('streamed: the same run, told event by event', async () => {
      const { agent, runner, cities } = weatherAgent(upstream);

      const result = await runner.run(agent, fresh('Weather in Oslo?'), { stream: true, maxTurns: 3 });
      let text = '';
      for await (const event of result) {
        if (event.type === 'raw_model_stream_event' && event.data.type === 'output_text_delta') {
          text += event.data.delta;
        }
      }
      await result.completed;

      assert.equal(cities.length, 1, `the tool ran ${cities.length} times`);
      assert.equal(result.finalOutput, upstream.toolReply([WEATHER]));
      assert.equal(text, result.finalOutput);
    });
  });
}
