/**
 * Faithful fakes of model providers, for tests: each binds 127.0.0.1 on an ephemeral port, speaks
 * its provider's published wire format exactly (field names, SSE or AWS event-stream framing, event
 * order, error bodies, status codes, and for AWS the SigV4 signature it verifies), records what it
 * receives, and injects faults on demand. They are fakes, named so; they share no code with the
 * gateway, so a translation bug cannot hide in both.
 *
 * <p>How a fake is built: what is the same for every provider is written once, and a fake holds
 * only what is its provider's.
 *
 * <ul>
 *   <li>{@code FakeServer} (package-private) is what each public fake runs on, as a field: the
 *       Jetty server on 127.0.0.1, the builder's port check, starting and closing, the fault queue,
 *       the record of requests ({@code requests()}, {@code takeRequest}, {@code requestCount()})
 *       and the stream counters. The fake's public methods of the same names hand over to it.
 *   <li>{@code Exchange} (package-private) is one request being answered: the head, a body of known
 *       length, a stream written chunk by chunk and counted, pauses, and the cut (FIN) and reset
 *       (RST) of a connection. {@code ReplyExchange} adds what OpenAI's and Anthropic's fakes
 *       share: a {@code Reply} delivered as JSON or server-sent events with a {@link
 *       dev.switchboard.testkit.Fault} played on it.
 *   <li>Each provider keeps its own: {@link dev.switchboard.testkit.FakeOpenAi} with {@code
 *       OpenAiApi} and {@code OpenAiExchange}, {@link dev.switchboard.testkit.FakeAnthropic} with
 *       {@code AnthropicApi} and {@code AnthropicExchange}, {@link
 *       dev.switchboard.testkit.FakeBedrock} with {@code BedrockExchange}, {@link
 *       dev.switchboard.testkit.FakeAzureOpenAi} with {@code AzureApi} (Azure's paths, credentials,
 *       errors and filter results around {@code OpenAiApi}'s answers) and {@code AzureExchange},
 *       {@link dev.switchboard.testkit.FakeCohere} with {@code CohereApi} and {@code
 *       CohereExchange}, {@link dev.switchboard.testkit.FakeGemini} and {@link
 *       dev.switchboard.testkit.FakeVertex} with {@code GeminiModelApi}, {@code GoogleError} and
 *       {@code GeminiExchange} (FakeVertex also serves Claude through {@code AnthropicApi}, and a
 *       token endpoint): routes, validation, answers, headers, framing and error shapes.
 * </ul>
 */
package dev.switchboard.testkit;
