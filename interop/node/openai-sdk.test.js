// The official OpenAI Node SDK (`openai`), pointed at the gateway by its base URL alone.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import {
  failingTarget,
  fakeOpenAi,
  fakeTarget,
  fresh,
  gatewayUrl,
  assertTraceId,
  onlySwitchboard,
  overloadedUrl,
  rateLimitedUrl,
  streamErrorUrl,
  timeTool,
  upstreams,
  weatherTool,
} from './setup.js';

function client(headers, apiKey = 'unused') {
  return new OpenAI({ baseURL: gatewayUrl, apiKey, defaultHeaders: headers, maxRetries: 0 });
}

for (const upstream of upstreams) {
  describe(`OpenAI Node SDK through the gateway to the ${upstream.name}`, () => {
    const openai = client(upstream.headers, upstream.apiKey);

    test('chat: the answer, its finish reason and usage', async () => {
      const said = fresh('Hello Node');
      const completion = await openai.chat.completions.create({
        model: upstream.model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: said },
        ],
      });

      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.choices[0].message.role, 'assistant');
      assert.equal(completion.choices[0].message.content, upstream.reply(said));
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.ok(completion.usage.total_tokens > 0);
    });

    test('stream: the chunks add up to the whole answer, usage last', async () => {
      const said = fresh('Stream to Node');
      const request = { model: upstream.model, messages: [{ role: 'user', content: said }] };
      const stream = await openai.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });

      let text = '';
      let finishReason = null;
      let chunks = 0;
      let usage = null;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, 'chat.completion.chunk');
        text += chunk.choices[0]?.delta?.content ?? '';
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        usage = chunk.usage ?? usage;
      }

      assert.ok(chunks > 3, `only ${chunks} chunks`);
      assert.equal(text, upstream.reply(said));
      assert.equal(finishReason, 'stop');
      assert.ok(usage.total_tokens > 0);
    });

    test('tools: a call, its result sent back, an answer that uses it', async () => {
      const messages = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await openai.chat.completions.create({
        model: upstream.model,
        messages,
        tools: [weatherTool],
      });

      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      const calls = first.choices[0].message.tool_calls;
      assert.equal(calls.length, 1);
      assert.equal(calls[0].type, 'function');
      assert.equal(calls[0].function.name, 'get_weather');
      assert.equal(typeof JSON.parse(calls[0].function.arguments).city, 'string');

      const second = await openai.chat.completions.create({
        model: upstream.model,
        messages: [
          ...messages,
          first.choices[0].message,
          { role: 'tool', tool_call_id: calls[0].id, content: '18C and sunny' },
        ],
        tools: [weatherTool],
      });

      assert.equal(second.choices[0].finish_reason, 'stop');
      assert.equal(second.choices[0].message.content, upstream.toolReply(['18C and sunny']));
    });

    test('parallel tools: two calls in one answer, whole and streamed', async () => {
      const request = {
        model: upstream.model,
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: [weatherTool, timeTool],
      };
      const whole = await openai.chat.completions.create(request);
      const streamed = await openai.chat.completions.stream(request).finalChatCompletion();

      for (const completion of [whole, streamed]) {
        const calls = completion.choices[0].message.tool_calls;
        assert.deepEqual(
          calls.map((call) => call.function.name),
          ['get_weather', 'get_time'],
        );
        assert.equal(new Set(calls.map((call) => call.id)).size, 2);
        assert.equal(typeof JSON.parse(calls[1].function.arguments).twenty_four_hours, 'boolean');
        assert.equal(completion.choices[0].finish_reason, 'tool_calls');
      }
      assert.deepEqual(
        streamed.choices[0].message.tool_calls.map((call) => call.function.arguments),
        whole.choices[0].message.tool_calls.map((call) => call.function.arguments),
      );
    });

    test("parallel tools: the SDK's runTools agent loop runs both and answers", async () => {
      const ran = [];
      const runner = openai.chat.completions.runTools({
        model: upstream.model,
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: [
          {
            type: 'function',
            function: {
              ...weatherTool.function,
              parse: JSON.parse,
              function: ({ city }) => {
                ran.push(`weather in ${city}`);
                return '18C';
              },
            },
          },
          {
            type: 'function',
            function: {
              ...timeTool.function,
              parse: JSON.parse,
              function: ({ zone }) => {
                ran.push(`time in ${zone}`);
                return '14:05';
              },
            },
          },
        ],
      });

      const answer = await runner.finalContent();

      assert.equal(ran.length, 2);
      assert.equal(answer, upstream.toolReply(['18C', '14:05']));
    });

    test(
      'structured output: parse() reads the JSON-schema answer into the schema',
      { skip: upstream.structuredOutput ? false : 'the mock does not fill JSON schemas yet' },
      async () => {
        const Film = z.object({
          title: z.string(),
          year: z.number().int(),
          tags: z.array(z.string()),
          genre: z.enum(['noir', 'comedy']),
          director: z.object({ name: z.string(), living: z.boolean() }),
        });

        const completion = await openai.chat.completions.parse({
          model: upstream.model,
          messages: [{ role: 'user', content: 'A film, please' }],
          response_format: zodResponseFormat(Film, 'film'),
        });

        assert.deepEqual(completion.choices[0].message.parsed, {
          title: upstream.sampleText,
          year: 1,
          tags: [upstream.sampleText],
          genre: 'noir',
          director: { name: upstream.sampleText, living: true },
        });
      },
    );

    test('gateway metadata: trace id, provider, path, retries, cache in headers', async () => {
      const traceId = `node-trace-${fresh('').trim()}`;
      const { data, response } = await openai.chat.completions
        .create(
          { model: upstream.model, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-portkey-trace-id': traceId } },
        )
        .withResponse();

      assert.equal(data.choices.length, 1);
      assert.equal(response.headers.get('x-portkey-trace-id'), traceId);
      assert.equal(response.headers.get('x-portkey-provider'), upstream.portkey.provider);
      assert.equal(response.headers.get('x-portkey-last-used-option-index'), 'config');
      assert.equal(response.headers.get('x-portkey-retry-attempt-count'), '0');
      assert.equal(response.headers.get('x-portkey-cache-status'), 'DISABLED');
    });
  });
}

describe('OpenAI Node SDK: errors', () => {
  test('a 429 upstream is a RateLimitError with status 429 and the trace id', async () => {
    const openai = client({
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': rateLimitedUrl,
    });

    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error) => {
        assert.ok(error instanceof OpenAI.RateLimitError, `${error}`);
        assert.equal(error.status, 429);
        assert.equal(error.code, 'rate_limit_exceeded');
        assert.match(error.message, /Rate limit reached/);
        assertTraceId(error.headers.get('x-portkey-trace-id'));
        return true;
      },
    );
  });

  test('a 429 before a stream starts is a RateLimitError too', async () => {
    const openai = client({
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': rateLimitedUrl,
    });

    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
      (error) => error instanceof OpenAI.RateLimitError && error.status === 429,
    );
  });

  test('a stream that fails after its first chunks throws an APIError from the loop', async () => {
    const openai = client({
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': streamErrorUrl,
    });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
    });

    let text = '';
    await assert.rejects(
      async () => {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? '';
        }
      },
      (error) => {
        assert.ok(error instanceof OpenAI.APIError, `${error}`);
        assert.equal(error.error.type, 'server_error');
        return true;
      },
    );
    assert.equal(text, 'Hello from ');
  });

  test("the provider's 400 is a BadRequestError naming the parameter", async () => {
    const openai = client(
      { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': fakeOpenAi.url },
      fakeOpenAi.apiKey,
    );

    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        n: 0,
      }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `${error}`);
        assert.equal(error.status, 400);
        assert.equal(error.type, 'invalid_request_error');
        assert.match(error.message, /less than the minimum of 1 - 'n'/);
        return true;
      },
    );
  });

  test(
    "the gateway's own 400 (an invalid config) is a BadRequestError",
    { skip: onlySwitchboard('an empty targets list is a 500 with no error object') },
    async () => {
      const openai = client({
        'x-portkey-config': JSON.stringify({ strategy: { mode: 'fallback' }, targets: [] }),
      });

      await assert.rejects(
        openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (error) => {
          assert.ok(error instanceof OpenAI.BadRequestError, `${error}`);
          assert.equal(error.status, 400);
          assert.match(error.message, /targets/);
          return true;
        },
      );
    },
  );

  test('a wrong provider key is an AuthenticationError from the provider', async () => {
    const openai = client(
      { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': fakeOpenAi.url },
      'sk-wrong',
    );

    await assert.rejects(
      openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error) => error instanceof OpenAI.AuthenticationError && error.status === 401,
    );
  });
});

describe('OpenAI Node SDK: a fallback config in a header', () => {
  test('the second target answers when the first is overloaded; the headers say so', async () => {
    const openai = client({
      'x-portkey-config': JSON.stringify({
        strategy: { mode: 'fallback' },
        targets: [failingTarget(overloadedUrl), fakeTarget()],
      }),
    });

    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();

    assert.equal(data.choices[0].message.content, 'Hello from the fake OpenAI. You said: hi');
    assert.equal(response.headers.get('x-portkey-last-used-option-index'), 'config.targets[1]');
  });
});

describe('OpenAI Node SDK: what the answer cost', { skip: onlySwitchboard('no cost') }, () => {
  const openai = client(
    { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': fakeOpenAi.url },
    fakeOpenAi.apiKey,
  );

  test('x-switchboard-cost-usd on a whole answer', async () => {
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();

    assert.ok(Number(response.headers.get('x-switchboard-cost-usd')) > 0);
  });

  const streamLast = async (options) => {
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      options,
    );
    let last = null;
    for await (const chunk of stream) {
      last = chunk;
    }
    return last;
  };

  test("cost_usd beside the usage of a stream's last chunk, when asked for", async () => {
    const last = await streamLast({ headers: { 'x-switchboard-stream-cost': 'true' } });

    assert.ok(last.usage.total_tokens > 0);
    assert.ok(last.cost_usd > 0, JSON.stringify(last));
  });

  test("no cost_usd in a stream's last chunk unless asked for", async () => {
    const last = await streamLast();

    assert.ok(last.usage.total_tokens > 0);
    assert.equal(last.cost_usd, undefined, JSON.stringify(last));
  });
});

describe('OpenAI Node SDK: embeddings', () => {
  for (const upstream of upstreams) {
    test(`vectors from the ${upstream.name}`, async () => {
      const openai = client(upstream.headers, upstream.apiKey);

      const embeddings = await openai.embeddings.create({
        model: upstream.name === 'mock provider' ? 'mock-embedding' : 'text-embedding-3-small',
        input: ['one', 'two'],
      });

      assert.equal(embeddings.data.length, 2);
      assert.ok(embeddings.data[0].embedding.length > 0);
      assert.notDeepEqual(embeddings.data[0].embedding, embeddings.data[1].embedding);
    });
  }
});
