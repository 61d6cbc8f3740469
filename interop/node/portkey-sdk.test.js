// Portkey's own Node SDK (`portkey-ai`), pointed at the gateway with `baseURL`, with its options:
// config, trace id, metadata, cache, provider, custom host and the provider's key.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Portkey } from 'portkey-ai';
// portkey-ai does not export its error classes from its index; this is where they live.
import {
  AuthenticationError,
  BadRequestError,
  RateLimitError,
} from 'portkey-ai/dist/src/error.js';
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

// A new client per test: portkey-ai keeps the options passed to one call for every later call.
function portkey(options) {
  return new Portkey({ baseURL: gatewayUrl, ...options });
}

for (const upstream of upstreams) {
  describe(`portkey-ai through the gateway to the ${upstream.name}`, () => {
    test('chat: the answer, and the gateway headers from getHeaders()', async () => {
      const said = fresh('Hello Portkey');
      const completion = await portkey(upstream.portkey).chat.completions.create({
        model: upstream.model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: said },
        ],
      });

      assert.equal(completion.choices[0].message.content, upstream.reply(said));
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.ok(completion.usage.total_tokens > 0);
      const headers = completion.getHeaders();
      assertTraceId(headers['trace-id']);
      assert.equal(headers['provider'], upstream.portkey.provider);
      assert.equal(headers['last-used-option-index'], 'config');
      assert.equal(headers['retry-attempt-count'], '0');
      assert.equal(headers['cache-status'], 'DISABLED');
    });

    test('stream: the chunks add up to the whole answer', async () => {
      const said = fresh('Stream to Portkey');
      const stream = await portkey(upstream.portkey).chat.completions.create({
        model: upstream.model,
        messages: [{ role: 'user', content: said }],
        stream: true,
        stream_options: { include_usage: true },
      });

      let text = '';
      let finishReason = null;
      let usage = null;
      for await (const chunk of stream) {
        assert.equal(chunk.object, 'chat.completion.chunk', JSON.stringify(chunk));
        text += chunk.choices[0]?.delta?.content ?? '';
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        usage = chunk.usage ?? usage;
      }

      assert.equal(text, upstream.reply(said));
      assert.equal(finishReason, 'stop');
      assert.ok(usage.total_tokens > 0);
    });

    test('tools: a call, its result sent back, an answer that uses it', async () => {
      const client = portkey(upstream.portkey);
      const messages = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await client.chat.completions.create({
        model: upstream.model,
        messages,
        tools: [weatherTool],
      });
      const call = first.choices[0].message.tool_calls[0];

      const second = await client.chat.completions.create({
        model: upstream.model,
        messages: [
          ...messages,
          first.choices[0].message,
          { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
        ],
        tools: [weatherTool],
      });

      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      assert.equal(call.function.name, 'get_weather');
      assert.equal(second.choices[0].message.content, upstream.toolReply(['18C and sunny']));
    });

    test('parallel tools: two calls in one answer, whole and streamed', async () => {
      const client = portkey(upstream.portkey);
      const request = {
        model: upstream.model,
        messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
        tools: [weatherTool, timeTool],
      };
      const whole = await client.chat.completions.create(request);
      const stream = await client.chat.completions.create({ ...request, stream: true });
      const streamed = new Map();
      for await (const chunk of stream) {
        for (const piece of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const call = streamed.get(piece.index) ?? { id: '', name: '', arguments: '' };
          call.id += piece.id ?? '';
          call.name += piece.function?.name ?? '';
          call.arguments += piece.function?.arguments ?? '';
          streamed.set(piece.index, call);
        }
      }

      const calls = whole.choices[0].message.tool_calls;
      assert.deepEqual(
        calls.map((call) => call.function.name),
        ['get_weather', 'get_time'],
      );
      assert.equal(new Set(calls.map((call) => call.id)).size, 2);
      assert.deepEqual(
        [...streamed.values()].map((call) => [call.name, JSON.parse(call.arguments)]),
        calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)]),
      );
    });

    test(
      'structured output: parse() reads the JSON-schema answer into the schema',
      { skip: upstream.structuredOutput ? false : 'the mock does not fill JSON schemas yet' },
      async () => {
        const Answer = z.object({ city: z.string(), celsius: z.number(), sunny: z.boolean() });

        const completion = await portkey(upstream.portkey).chat.completions.parse({
          model: upstream.model,
          messages: [{ role: 'user', content: 'Weather in Paris, as JSON' }],
          response_format: zodResponseFormat(Answer, 'weather'),
        });

        assert.deepEqual(completion.choices[0].message.parsed, {
          city: upstream.sampleText,
          celsius: 1,
          sunny: true,
        });
      },
    );
  });
}

describe('portkey-ai: errors', () => {
  test('a 429 upstream is a RateLimitError with status 429', async () => {
    const client = portkey({ provider: 'openai', customHost: rateLimitedUrl });

    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error) => {
        assert.ok(error instanceof RateLimitError, `${error}`);
        assert.equal(error.status, 429);
        assert.match(error.message, /Rate limit reached/);
        assertTraceId(error.headers['x-portkey-trace-id']);
        return true;
      },
    );
  });

  test('a 429 before a stream starts is a RateLimitError too', async () => {
    const client = portkey({ provider: 'openai', customHost: rateLimitedUrl });

    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      }),
      (error) => error instanceof RateLimitError && error.status === 429,
    );
  });

  test('a stream that fails after its first chunks ends with a chunk carrying the error', async () => {
    // portkey-ai throws only for `event: error`; the OpenAI-format in-band error event, as OpenAI
    // and the gateways send it, reaches the loop as a chunk whose `error` the app must check.
    const client = portkey({ provider: 'openai', customHost: streamErrorUrl });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
    });

    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }

    const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'Hello from ');
    assert.equal(chunks.at(-1).error.type, 'server_error');
    assert.equal(chunks.filter((chunk) => chunk.choices?.[0]?.finish_reason).length, 0);
  });

  test("the provider's 400 is a BadRequestError", async () => {
    const client = portkey({
      provider: 'openai',
      customHost: fakeOpenAi.url,
      Authorization: `Bearer ${fakeOpenAi.apiKey}`,
    });

    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        n: 0,
      }),
      (error) => {
        assert.ok(error instanceof BadRequestError, `${error}`);
        assert.equal(error.status, 400);
        assert.match(error.message, /less than the minimum of 1 - 'n'/);
        return true;
      },
    );
  });

  test(
    "the gateway's own 400 (an invalid config) is a BadRequestError",
    { skip: onlySwitchboard('an empty targets list is a 500') },
    async () => {
      const client = portkey({ config: { strategy: { mode: 'fallback' }, targets: [] } });

      await assert.rejects(
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (error) => error instanceof BadRequestError && error.status === 400,
      );
    },
  );

  test("Authorization is the provider's key: a wrong one is the provider's 401", async () => {
    const client = portkey({
      provider: 'openai',
      customHost: fakeOpenAi.url,
      Authorization: 'Bearer sk-wrong',
    });

    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error) => error instanceof AuthenticationError && error.status === 401,
    );
  });
});

describe('portkey-ai: its options', () => {
  const fallback = {
    strategy: { mode: 'fallback', on_status_codes: [503] },
    targets: [failingTarget(overloadedUrl), fakeTarget()],
  };

  test('config: a fallback config object moves on from an overloaded target', async () => {
    const completion = await portkey({ config: fallback }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });

    assert.equal(completion.choices[0].message.content, 'Hello from the fake OpenAI. You said: hi');
    assert.equal(completion.getHeaders()['last-used-option-index'], 'config.targets[1]');
    assert.equal(completion.getHeaders()['provider'], 'openai');
  });

  test('config: given to one call, over the client provider', async () => {
    const client = portkey({ provider: 'openai', Authorization: 'Bearer sk-unused' });

    const completion = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      { config: fallback },
    );

    assert.equal(completion.getHeaders()['last-used-option-index'], 'config.targets[1]');
  });

  test(
    "config: its targets' hosts win over the client's customHost",
    { skip: onlySwitchboard("the client's x-portkey-custom-host replaces every target's host") },
    async () => {
      const client = portkey({ provider: 'openai', customHost: rateLimitedUrl });

      const completion = await client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
        { config: fallback },
      );

      assert.equal(completion.getHeaders()['last-used-option-index'], 'config.targets[1]');
    },
  );

  test('config: a stream falls back before its first chunk', async () => {
    const stream = await portkey({ config: fallback }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }

    assert.equal(text, 'Hello from the fake OpenAI. You said: hi');
  });

  test('traceID: sent as x-portkey-trace-id and answered back', async () => {
    const traceID = `portkey-trace-${fresh('').trim()}`;

    const completion = await portkey({ ...upstreams[0].portkey, traceID }).chat.completions.create({
      model: upstreams[0].model,
      messages: [{ role: 'user', content: 'hi' }],
    });

    assert.equal(completion.getHeaders()['trace-id'], traceID);
  });

  test('metadata: a conditional config routes on it', async () => {
    const config = {
      strategy: {
        mode: 'conditional',
        conditions: [{ query: { 'metadata.plan': { $eq: 'paid' } }, then: 'premium' }],
        default: 'basic',
      },
      targets: [
        fakeTarget({ name: 'basic', override_params: { model: 'gpt-4o-mini' } }),
        fakeTarget({ name: 'premium', override_params: { model: 'gpt-4o' } }),
      ],
    };
    const ask = (metadata) =>
      portkey({ config, metadata }).chat.completions.create({
        model: 'any',
        messages: [{ role: 'user', content: 'hi' }],
      });

    const paid = await ask({ plan: 'paid', _user: 'ada' });
    const free = await ask({ plan: 'free', _user: 'bob' });

    assert.equal(paid.model, 'gpt-4o');
    assert.equal(paid.getHeaders()['last-used-option-index'], 'config.targets[1]');
    assert.equal(free.model, 'gpt-4o-mini');
    assert.equal(free.getHeaders()['last-used-option-index'], 'config.targets[0]');
  });

  const noCache = { skip: onlySwitchboard('no cache in the open-source gateway (DISABLED)') };

  test('cache: MISS, HIT, cacheForceRefresh REFRESH, other cacheNamespace MISS', noCache, async () => {
    const config = fakeTarget({ cache: { mode: 'simple', max_age: 60 } });
    const request = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: fresh('cache me') }],
    };
    const status = async (options) =>
      (await portkey({ config, ...options }).chat.completions.create(request)).getHeaders()[
        'cache-status'
      ];

    assert.equal(await status({}), 'MISS');
    assert.equal(await status({}), 'HIT');
    assert.equal(await status({ cacheForceRefresh: true }), 'REFRESH');
    assert.equal(await status({ cacheNamespace: fresh('tenant') }), 'MISS');
  });

  test('cache: a stream is served from the cache too', noCache, async () => {
    const config = fakeTarget({ cache: { mode: 'simple', max_age: 60 } });
    const said = fresh('cache my stream');
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: said }] };
    const whole = await portkey({ config }).chat.completions.create(request);

    const stream = await portkey({ config }).chat.completions.create({ ...request, stream: true });
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }

    assert.equal(whole.getHeaders()['cache-status'], 'MISS');
    assert.equal(text, whole.choices[0].message.content);
  });
});

describe('portkey-ai: embeddings', () => {
  for (const upstream of upstreams) {
    test(`vectors from the ${upstream.name}`, async () => {
      const embeddings = await portkey(upstream.portkey).embeddings.create({
        model: upstream.name === 'mock provider' ? 'mock-embedding' : 'text-embedding-3-small',
        input: ['one', 'two'],
      });

      assert.equal(embeddings.data.length, 2);
      assert.ok(embeddings.data[0].embedding.length > 0);
      assertTraceId(embeddings.getHeaders()['trace-id']);
    });
  }
});
