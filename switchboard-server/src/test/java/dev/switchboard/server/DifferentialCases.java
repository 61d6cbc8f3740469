package dev.switchboard.server;

import dev.switchboard.testkit.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The requests of {@link PortkeyDifferentialTest}: every endpoint in every form of request a client
 * of Portkey's gateway uses (the provider header, an inline config with one target, retry,
 * fallback, loadbalance, conditional routing, override params, forwarded headers, metadata), the
 * routes passed through, Anthropic's, errors (bad configs, bad providers, every upstream status,
 * non-JSON error bodies, timeouts), the shapes of streams (tool calls, usage, comments, cut and
 * failing streams), methods, and answers given byte for byte ({@link Fault.Verbatim}: key order,
 * number formats, escapes, nulls). Each case says what the fakes answer: nothing queued is the
 * fake's own answer.
 */
final class DifferentialCases {
  static final String KEY = "sk-diff-test";

  /**
   * One request and what the fakes answer it.
   *
   * @param headers name, value, name, value, …
   * @param body {@code null} for none
   * @param settle how long to wait after the answer before reading what the fakes received
   */
  record Case(
      String id,
      String method,
      String path,
      List<String> headers,
      String body,
      List<Fault> openai,
      List<Fault> second,
      List<Fault> anthropic,
      Duration settle) {}

  private final String a;
  private final String b;
  private final String ant;
  private final List<Case> cases = new ArrayList<>();

  /** Cases whose targets are these fakes' base URLs ({@code http://127.0.0.1:<port>/v1}). */
  DifferentialCases(String openai, String second, String anthropic) {
    this.a = openai;
    this.b = second;
    this.ant = anthropic;
    endpointsInEveryForm();
    models();
    passedThrough();
    anthropicCases();
    errors();
    streams();
    methods();
    nullsAndVerbatim();
  }

  List<Case> all() {
    return List.copyOf(cases);
  }

  // ---- the endpoints, in every form of request

  static final String CHAT =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}]}\
      """;
  static final String CHAT_STREAM =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}],"stream":true}\
      """;
  static final String CHAT_STREAM_USAGE =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi"}],"stream":true,\
      "stream_options":{"include_usage":true}}\
      """;
  static final String TOOLS =
      """
      "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city",\
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],\
      "tool_choice":"required\"\
      """;
  static final String CHAT_TOOLS =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"}],%s}\
      """
          .formatted(TOOLS);
  static final String CHAT_TOOLS_STREAM =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"}],%s,\
      "stream":true}\
      """
          .formatted(TOOLS);
  static final String COMPLETION =
      """
      {"model":"gpt-3.5-turbo-instruct","prompt":"Say hi","max_tokens":5}\
      """;
  static final String COMPLETION_STREAM =
      """
      {"model":"gpt-3.5-turbo-instruct","prompt":"Say hi","max_tokens":5,"stream":true}\
      """;
  static final String EMBEDDING =
      """
      {"model":"text-embedding-3-small","input":"hello world"}\
      """;
  static final String EMBEDDING_BASE64 =
      """
      {"model":"text-embedding-3-small","input":["hello","world"],"encoding_format":"base64"}\
      """;

  private void endpointsInEveryForm() {
    Map<String, String[]> endpoints = new java.util.LinkedHashMap<>();
    endpoints.put("chat.json", new String[] {"/v1/chat/completions", CHAT});
    endpoints.put("chat.stream", new String[] {"/v1/chat/completions", CHAT_STREAM});
    endpoints.put("chat.stream-usage", new String[] {"/v1/chat/completions", CHAT_STREAM_USAGE});
    endpoints.put("chat.tools", new String[] {"/v1/chat/completions", CHAT_TOOLS});
    endpoints.put("chat.tools-stream", new String[] {"/v1/chat/completions", CHAT_TOOLS_STREAM});
    endpoints.put("completions.json", new String[] {"/v1/completions", COMPLETION});
    endpoints.put("completions.stream", new String[] {"/v1/completions", COMPLETION_STREAM});
    endpoints.put("embeddings.float", new String[] {"/v1/embeddings", EMBEDDING});
    endpoints.put("embeddings.base64", new String[] {"/v1/embeddings", EMBEDDING_BASE64});
    endpoints.forEach((name, endpoint) -> {
      String path = endpoint[0];
      String body = endpoint[1];
      add(post(name + ".header", path, body).with(provider()));
      add(post(name + ".config-single", path, body).with(config(target(a))));
      add(
          post(name + ".config-targets", path, body)
              .with(config("{\"strategy\":{\"mode\":\"single\"},\"targets\":[%s]}", target(a))));
      add(
          post(name + ".config-retry", path, body)
              .with(
                  config(
                      "{\"retry\":{\"attempts\":2,\"on_status_codes\":[503]},%s",
                      target(a).substring(1))));
      add(
          post(name + ".config-fallback", path, body)
              .with(
                  config(
                      "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[%s,%s]}",
                      target(a), target(b)))
              .openai(Fault.status(503)));
      add(
          post(name + ".config-loadbalance", path, body)
              .with(
                  config(
                      "{\"strategy\":{\"mode\":\"loadbalance\"},\"targets\":[%s]}",
                      target(a).replace("{", "{\"weight\":1,"))));
      add(
          post(name + ".config-conditional", path, body)
              .with(
                  config(
                      "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":[{\"query\":"
                          + "{\"metadata.plan\":{\"$eq\":\"paid\"}},\"then\":\"paid\"}],"
                          + "\"default\":\"free\"},\"targets\":[%s,%s]}",
                      target(a).replace("{", "{\"name\":\"paid\","),
                      target(b).replace("{", "{\"name\":\"free\",")))
              .with("x-portkey-metadata", "{\"plan\":\"paid\"}"));
      add(
          post(name + ".config-override", path, body)
              .with(
                  config(
                      "{\"override_params\":{\"user\":\"override-user\",\"n\":1},%s",
                      target(a).substring(1))));
      add(
          post(name + ".forward-headers", path, body)
              .with(provider())
              .with("x-portkey-forward-headers", "x-team")
              .with("x-team", "search")
              .with("x-portkey-metadata", "{\"_user\":\"u-1\",\"env\":\"test\"}"));
      add(
          post(name + ".openai-headers", path, body)
              .with(provider())
              .with("x-portkey-openai-organization", "org-diff")
              .with("x-portkey-openai-project", "proj_diff"));
    });
  }

  private void models() {
    add(get("models.list.header", "/v1/models").with(provider()));
    add(get("models.list.config", "/v1/models").with(config(target(a))));
    add(get("models.one.header", "/v1/models/gpt-4o-mini").with(provider()));
    add(get("models.one.config", "/v1/models/gpt-4o-mini").with(config(target(a))));
  }

  private void passedThrough() {
    String responses =
        """
        {"model":"gpt-4o-mini","input":"Say hi"}\
        """;
    for (String form : List.of("header", "config")) {
      String[] how = form.equals("header") ? provider() : config(target(a));
      add(post("pass.responses.json." + form, "/v1/responses", responses).with(how));
      add(
          post(
                  "pass.responses.stream." + form,
                  "/v1/responses",
                  responses.replace("}", ",\"stream\":true}"))
              .with(how));
      add(
          post(
                  "pass.moderations." + form,
                  "/v1/moderations",
                  "{\"model\":\"omni-moderation-latest\",\"input\":\"hello\"}")
              .with(how));
      add(
          post(
                  "pass.images." + form,
                  "/v1/images/generations",
                  "{\"model\":\"gpt-image-1\",\"prompt\":\"a cat\",\"size\":\"1024x1024\"}")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"created\":1700000000,\"data\":[{\"b64_json\":\"aGk=\"}]}")));
      add(
          post(
                  "pass.audio-speech." + form,
                  "/v1/audio/speech",
                  "{\"model\":\"gpt-4o-mini-tts\",\"input\":\"hi\",\"voice\":\"alloy\"}")
              .with(how)
              .openai(Fault.verbatim(200, "audio/mpeg", "ID3fake-mp3-bytes")));
      add(
          get("pass.files.list." + form, "/v1/files")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"object\":\"list\",\"data\":[],\"has_more\":false}")));
      add(
          get("pass.files.content." + form, "/v1/files/file-abc/content")
              .with(how)
              .openai(Fault.verbatim(200, "application/octet-stream", "line one\nline two\n")));
      add(
          delete("pass.files.delete." + form, "/v1/files/file-abc")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"id\":\"file-abc\",\"object\":\"file\",\"deleted\":true}")));
      add(
          get("pass.batches.get." + form, "/v1/batches/batch_abc")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"id\":\"batch_abc\",\"object\":\"batch\",\"status\":\"completed\"}")));
      add(
          get("pass.batches.list-query." + form, "/v1/batches?limit=2&after=batch_0")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"object\":\"list\",\"data\":[],\"has_more\":false}")));
    }
  }

  private void anthropicCases() {
    String messages =
        """
        {"model":"claude-3-5-haiku-20241022","max_tokens":64,\
        "messages":[{"role":"user","content":"Say hi"}]}\
        """;
    String[] anthropicHeaders = {
      "x-portkey-provider", "anthropic", "x-portkey-custom-host", ant, "x-api-key", KEY
    };
    add(post("anthropic.messages.json", "/v1/messages", messages).with(anthropicHeaders));
    add(
        post(
                "anthropic.messages.stream",
                "/v1/messages",
                messages.replace("}]}", "}],\"stream\":true}"))
            .with(anthropicHeaders));
    String config =
        "{\"provider\":\"anthropic\",\"api_key\":\"%s\",\"custom_host\":\"%s\"}"
            .formatted(KEY, ant);
    add(post("anthropic.messages.config", "/v1/messages", messages).with(config(config)));
    add(
        post(
                "anthropic.chat.json",
                "/v1/chat/completions",
                CHAT.replace("gpt-4o-mini", "claude-3-5-haiku-20241022")
                    .replace("]}", "],\"max_tokens\":64}"))
            .with(config(config)));
    add(
        post(
                "anthropic.chat.stream",
                "/v1/chat/completions",
                CHAT_STREAM
                    .replace("gpt-4o-mini", "claude-3-5-haiku-20241022")
                    .replace("\"stream\"", "\"max_tokens\":64,\"stream\""))
            .with(config(config)));
    add(
        post("anthropic.messages.error-529", "/v1/messages", messages)
            .with(anthropicHeaders)
            .anthropic(Fault.status(529)));
  }

  private void errors() {
    add(
        post("error.config.not-json", "/v1/chat/completions", CHAT)
            .with("x-portkey-config", "{not json"));
    add(
        post("error.config.no-provider", "/v1/chat/completions", CHAT)
            .with("x-portkey-config", "{\"api_key\":\"" + KEY + "\"}"));
    add(
        post("error.config.target-without-api-key", "/v1/chat/completions", CHAT)
            .with("authorization", "Bearer " + KEY)
            .with("x-portkey-config", "{\"provider\":\"openai\",\"custom_host\":\"" + a + "\"}"));
    add(
        post("error.config.unknown-strategy", "/v1/chat/completions", CHAT)
            .with(config("{\"strategy\":{\"mode\":\"roundrobin\"},\"targets\":[%s]}", target(a))));
    add(
        post("error.config.empty-targets", "/v1/chat/completions", CHAT)
            .with(config("{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[]}")));
    add(
        post("error.provider.unknown", "/v1/chat/completions", CHAT)
            .with("x-portkey-provider", "nope", "authorization", "Bearer " + KEY));
    add(
        post("error.provider.missing", "/v1/chat/completions", CHAT)
            .with("authorization", "Bearer " + KEY));
    add(post("error.body.malformed", "/v1/chat/completions", "{\"model\":").with(provider()));
    add(post("error.body.empty", "/v1/chat/completions", "").with(provider()));
    add(
        post("error.header.bad-timeout", "/v1/chat/completions", CHAT)
            .with(provider())
            .with("x-portkey-request-timeout", "soon"));
    add(
        post("error.header.bad-metadata", "/v1/chat/completions", CHAT)
            .with(provider())
            .with("x-portkey-metadata", "not json"));
    for (int status : new int[] {400, 401, 404, 429, 500, 503}) {
      add(
          post("error.upstream." + status + ".chat", "/v1/chat/completions", CHAT)
              .with(provider())
              .openai(Fault.status(status)));
      add(
          post("error.upstream." + status + ".chat-stream", "/v1/chat/completions", CHAT_STREAM)
              .with(provider())
              .openai(Fault.status(status)));
      add(
          post("error.upstream." + status + ".embeddings", "/v1/embeddings", EMBEDDING)
              .with(provider())
              .openai(Fault.status(status)));
    }
    add(
        post("error.upstream.429-retry-after.chat", "/v1/chat/completions", CHAT)
            .with(provider())
            .openai(Fault.status(429).withHeader("retry-after", "7")));
    String html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    add(
        post("error.upstream.html-502.chat", "/v1/chat/completions", CHAT)
            .with(provider())
            .openai(Fault.verbatim(502, "text/html", html)));
    add(
        post("error.upstream.html-502.embeddings", "/v1/embeddings", EMBEDDING)
            .with(provider())
            .openai(Fault.verbatim(502, "text/html", html)));
    add(
        post(
                "error.upstream.html-502.responses",
                "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}")
            .with(provider())
            .openai(Fault.verbatim(502, "text/html", html)));
    add(
        post("error.upstream.text-500.chat", "/v1/chat/completions", CHAT)
            .with(provider())
            .openai(Fault.verbatim(500, "text/plain", "upstream exploded")));
    add(
        post("error.upstream.reset.chat", "/v1/chat/completions", CHAT)
            .with(provider())
            .openai(Fault.resetConnection()));
    add(
        post("error.retry-exhausted.chat", "/v1/chat/completions", CHAT)
            .with(
                config(
                    "{\"retry\":{\"attempts\":1,\"on_status_codes\":[503]},%s",
                    target(a).substring(1)))
            .openai(Fault.status(503), Fault.status(503)));
    add(
        post("error.retry-recovers.chat", "/v1/chat/completions", CHAT)
            .with(
                config(
                    "{\"retry\":{\"attempts\":1,\"on_status_codes\":[503]},%s",
                    target(a).substring(1)))
            .openai(Fault.status(503)));
    add(
        post("error.fallback-all-fail.chat", "/v1/chat/completions", CHAT)
            .with(
                config(
                    "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[%s,%s]}",
                    target(a), target(b)))
            .openai(Fault.status(500))
            .second(Fault.status(502)));
    add(
        post("error.fallback-on-status.chat", "/v1/chat/completions", CHAT)
            .with(
                config(
                    "{\"strategy\":{\"mode\":\"fallback\",\"on_status_codes\":[429]},\"targets\":[%s,%s]}",
                    target(a), target(b)))
            .openai(Fault.status(500)));
    for (String[] endpoint :
        new String[][] {
          {"chat", "/v1/chat/completions", CHAT},
          {"chat-stream", "/v1/chat/completions", CHAT_STREAM},
          {"embeddings", "/v1/embeddings", EMBEDDING}
        }) {
      add(
          post("error.timeout." + endpoint[0], endpoint[1], endpoint[2])
              .with(provider())
              .with("x-portkey-request-timeout", "300")
              .openai(Fault.slowFirstByte(Duration.ofMillis(1500)))
              .settle(Duration.ofMillis(1500)));
    }
    add(
        post("error.timeout.config", "/v1/chat/completions", CHAT)
            .with(config("{\"request_timeout\":300,%s", target(a).substring(1)))
            .openai(Fault.slowFirstByte(Duration.ofMillis(1500)))
            .settle(Duration.ofMillis(1500)));
    add(get("error.route.unknown", "/v1/nope").with(provider()));
    add(get("error.route.v2", "/v2/chat/completions").with(provider()));
  }

  private void streams() {
    add(
        post("stream.error-mid-way", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.streamError(2, 500)));
    add(
        post("stream.cut", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.cutStreamAfter(3)));
    add(
        post("stream.malformed-event", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.malformedBody()));
    add(
        post("stream.no-trace-id", "/v1/chat/completions", CHAT_STREAM)
            .withoutTraceId()
            .with(provider()));
    add(
        post("chat.json.no-trace-id", "/v1/chat/completions", CHAT)
            .withoutTraceId()
            .with(provider()));
    String chunk =
        "{\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":null,\"choices\":[%s],\"usage\":null}";
    String role =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":null}")
            + "\n\n";
    String text =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{\"content\":\"Hi \\u00e9 \\ud83d\\ude00\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}")
            + "\n\n";
    String stop =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}")
            + "\n\n";
    String usage =
        "data: {\"id\":\"chatcmpl-v1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
            + "\"completion_tokens\":2,\"total_tokens\":5}}\n\n";
    String done = "data: [DONE]\n\n";
    add(
        post("stream.verbatim.nulls", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.verbatimStream(role, text, stop, done)));
    add(
        post("stream.verbatim.usage-chunk", "/v1/chat/completions", CHAT_STREAM_USAGE)
            .with(provider())
            .openai(Fault.verbatimStream(role, text, stop, usage, done)));
    add(
        post("stream.verbatim.comments", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(
                Fault.verbatimStream(
                    ": keep-alive\n\n", role, ": keep-alive\n\n", text, stop, done)));
    add(
        post("stream.verbatim.processing-comment", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.verbatimStream(": PROCESSING\n\n", role, text, stop, done)));
    String toolStart =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                    + "[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                    + "{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"logprobs\":null,"
                    + "\"finish_reason\":null}")
            + "\n\n";
    String toolArgs =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                    + "{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"logprobs\":null,"
                    + "\"finish_reason\":null}")
            + "\n\n";
    String toolStop =
        "data: "
            + chunk.formatted(
                "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}")
            + "\n\n";
    add(
        post("stream.verbatim.tool-calls", "/v1/chat/completions", CHAT_TOOLS_STREAM)
            .with(provider())
            .openai(Fault.verbatimStream(toolStart, toolArgs, toolStop, done)));
    add(
        post("stream.verbatim.cut-without-done", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(Fault.verbatimStream(role, text).thenCut()));
    add(
        post("stream.verbatim.crlf", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(
                Fault.verbatimStream(
                    role.replace("\n", "\r\n"),
                    text.replace("\n", "\r\n"),
                    done.replace("\n", "\r\n"))));
    add(
        post("stream.verbatim.in-band-error", "/v1/chat/completions", CHAT_STREAM)
            .with(provider())
            .openai(
                Fault.verbatimStream(
                    role,
                    "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\","
                        + "\"param\":null,\"code\":null}}\n\n")));
  }

  private void methods() {
    add(new Builder("method.head-root", "HEAD", "/", null));
    add(new Builder("method.get-root", "GET", "/", null));
    add(
        new Builder("method.put-chat", "PUT", "/v1/chat/completions", CHAT)
            .with(provider())
            .with("content-type", "application/json"));
    add(
        new Builder("method.options-chat", "OPTIONS", "/v1/chat/completions", null)
            .with(provider()));
    add(
        new Builder("method.options-preflight", "OPTIONS", "/v1/chat/completions", null)
            .with("origin", "https://app.example.com")
            .with("access-control-request-method", "POST")
            .with("access-control-request-headers", "content-type, x-portkey-provider"));
    add(get("method.get-chat", "/v1/chat/completions").with(provider()));
    add(new Builder("method.delete-chat", "DELETE", "/v1/chat/completions", null).with(provider()));
    add(
        new Builder("method.patch-embeddings", "PATCH", "/v1/embeddings", EMBEDDING)
            .with(provider())
            .with("content-type", "application/json"));
  }

  private void nullsAndVerbatim() {
    add(
        post(
                "nulls.request.temperature",
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"temperature\":null,\"top_p\":null}")
            .with(provider()));
    add(
        post(
                "nulls.request.nested",
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\","
                    + "\"name\":null}],\"stop\":null,\"response_format\":null,\"user\":null}")
            .with(provider()));
    add(
        post(
                "nulls.request.numbers",
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"h\\u00e9\"}],"
                    + "\"temperature\":1.0,\"top_p\":1e0,\"seed\":12345678901234567890,\"max_tokens\":16}")
            .with(provider()));
    add(
        post(
                "nulls.request.unknown-field",
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"reasoning_effort\":\"low\",\"x_vendor\":{\"a\":[1,2]}}")
            .with(provider()));
    String answer =
        "{\"object\":\"chat.completion\",\"id\":\"chatcmpl-v2\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Caf\\u00e9 \\\"ok\\\"\",\"refusal\":null,\"annotations\":[]},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,"
            + "\"completion_tokens\":2,\"total_tokens\":5,\"cost\":1.50e-5},\"service_tier\":null,"
            + "\"system_fingerprint\":null,\"x_provider_extra\":{\"score\":0.10}}";
    for (String form : List.of("header", "config")) {
      String[] how = form.equals("header") ? provider() : config(target(a));
      add(
          post("verbatim.chat." + form, "/v1/chat/completions", CHAT)
              .with(how)
              .openai(Fault.verbatim(200, "application/json", answer)));
      add(
          post("verbatim.chat-spaced." + form, "/v1/chat/completions", CHAT)
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      answer.replace(",", ", ").replace(":", ": ") + "\n")));
      add(
          post("verbatim.embeddings." + form, "/v1/embeddings", EMBEDDING)
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                          + "\"embedding\":[0.0123456789012345678,-1.0E-7,0,1.50]}],"
                          + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,"
                          + "\"total_tokens\":2}}")));
      add(
          post("verbatim.error-400." + form, "/v1/chat/completions", CHAT)
              .with(how)
              .openai(
                  Fault.verbatim(
                      400,
                      "application/json",
                      "{\"error\":{\"message\":\"Invalid 'messages'.\",\"type\":"
                          + "\"invalid_request_error\",\"param\":null,\"code\":null}}")));
      add(
          post(
                  "verbatim.responses." + form,
                  "/v1/responses",
                  "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}")
              .with(how)
              .openai(
                  Fault.verbatim(
                      200,
                      "application/json",
                      "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1700000000,"
                          + "\"status\":\"completed\",\"error\":null,\"output\":[],"
                          + "\"temperature\":1.0,\"usage\":null}")));
    }
    add(
        post("verbatim.completions", "/v1/completions", COMPLETION)
            .with(provider())
            .openai(
                Fault.verbatim(
                    200,
                    "application/json",
                    "{\"id\":\"cmpl-v\",\"object\":\"text_completion\",\"created\":1700000000,"
                        + "\"model\":\"gpt-3.5-turbo-instruct\",\"choices\":[{\"text\":\"hi\","
                        + "\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}],"
                        + "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,"
                        + "\"total_tokens\":3}}")));
  }

  // ---- building cases

  private String target(String customHost) {
    return "{\"provider\":\"openai\",\"api_key\":\"%s\",\"custom_host\":\"%s\"}"
        .formatted(KEY, customHost);
  }

  private String[] provider() {
    return new String[] {
      "x-portkey-provider", "openai", "x-portkey-custom-host", a, "authorization", "Bearer " + KEY
    };
  }

  private static String[] config(String template, Object... arguments) {
    return new String[] {"x-portkey-config", template.formatted(arguments)};
  }

  private Builder post(String id, String path, String body) {
    return new Builder(id, "POST", path, body).with("content-type", "application/json");
  }

  private Builder get(String id, String path) {
    return new Builder(id, "GET", path, null);
  }

  private Builder delete(String id, String path) {
    return new Builder(id, "DELETE", path, null);
  }

  private void add(Builder builder) {
    if (cases.stream().anyMatch(c -> c.id().equals(builder.id))) {
      throw new IllegalStateException("two cases are named " + builder.id);
    }
    cases.add(builder.build());
  }

  private static final class Builder {
    final String id;
    final String method;
    final String path;
    final String body;
    final List<String> headers = new ArrayList<>();
    final List<Fault> openai = new ArrayList<>();
    final List<Fault> second = new ArrayList<>();
    final List<Fault> anthropic = new ArrayList<>();
    boolean traceId = true;
    Duration settle = Duration.ZERO;

    Builder(String id, String method, String path, String body) {
      this.id = id;
      this.method = method;
      this.path = path;
      this.body = body;
    }

    Builder with(String... namesAndValues) {
      headers.addAll(List.of(namesAndValues));
      return this;
    }

    Builder withoutTraceId() {
      traceId = false;
      return this;
    }

    Builder openai(Fault... faults) {
      openai.addAll(List.of(faults));
      return this;
    }

    Builder second(Fault... faults) {
      second.addAll(List.of(faults));
      return this;
    }

    Builder anthropic(Fault... faults) {
      anthropic.addAll(List.of(faults));
      return this;
    }

    Builder settle(Duration settle) {
      this.settle = settle;
      return this;
    }

    Case build() {
      List<String> all = new ArrayList<>(headers);
      if (traceId) {
        // Portkey leaves the trace id empty when none is sent (a listed difference); the cases
        // that test that send none, the others send one as Portkey's SDK users do.
        all.addAll(List.of("x-portkey-trace-id", "trace-" + id));
      }
      return new Case(id, method, path, all, body, openai, second, anthropic, settle);
    }
  }
}
