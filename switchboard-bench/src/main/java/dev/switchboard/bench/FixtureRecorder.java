package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FixtureScrubber;
import dev.switchboard.testkit.ReplayFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Records real exchanges with providers into replay fixtures (docs/providers.md, "Recorded
 * exchanges"): for each provider whose key is in the environment, it starts a gateway in this JVM
 * whose provider base URL is a {@link RecordingTap} in front of the provider's own, sends each
 * scenario (OpenAI's format) through the gateway over HTTP, and writes each exchange the tap saw,
 * scrubbed of secrets by {@link FixtureScrubber}, to {@code <dir>/<provider>/<scenario>.json}. The
 * request recorded is exactly what the gateway sends; the answer, byte for byte, what the provider
 * sent. Chat scenarios go through {@code /v1/chat/completions}, embedding scenarios through {@code
 * /v1/embeddings} with the provider's embedding model.
 *
 * <pre>
 * OPENAI_API_KEY=… ANTHROPIC_API_KEY=… ./mvnw -B -ntp -q compile exec:java -pl switchboard-bench -am \
 *   -Dexec.mainClass=dev.switchboard.bench.FixtureRecorder [-Drecord.dir=…] [-Drecord.providers=openai,anthropic]
 * </pre>
 */
public final class FixtureRecorder {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A provider to record.
   *
   * @param name the gateway's name for it
   * @param baseUrl its base URL (the real one, or a fake's in tests)
   * @param headers the client's headers that are no secret (region, …)
   * @param credentials the client's credential headers
   * @param badCredentials credential headers the provider refuses
   * @param secrets every secret in {@code credentials}, to scrub
   * @param standIns names of the account the requests carry (an Azure resource, a Google Cloud
   *     project), each with the stand-in a fixture holds in its place
   * @param model the chat model
   * @param embeddingModel the embedding model, or {@code null} to record no embeddings
   * @param modelHeader a client header that names the model's deployment, set to each scenario's
   *     model (Azure's {@code x-portkey-azure-deployment-id}), or {@code null}
   * @param resigner re-signs a request for the real host, or {@code null}
   */
  record Provider(
      String name,
      URI baseUrl,
      Map<String, String> headers,
      Map<String, String> credentials,
      Map<String, String> badCredentials,
      List<String> secrets,
      Map<String, String> standIns,
      String model,
      String embeddingModel,
      String modelHeader,
      RecordingTap.Resigner resigner) {

    /**
     * A provider whose credential is a bearer {@code key} (an API key, an access token), refused
     * when it is replaced by an invalid one.
     */
    static Provider withBearer(
        String name,
        URI baseUrl,
        Map<String, String> headers,
        String key,
        Map<String, String> standIns,
        String model,
        String embeddingModel,
        String modelHeader) {
      return new Provider(
          name,
          baseUrl,
          headers,
          Map.of("authorization", "Bearer " + key),
          Map.of("authorization", "Bearer invalid-key-for-recording"),
          List.of(key),
          standIns,
          model,
          embeddingModel,
          modelHeader,
          null);
    }

    /** This provider at {@code baseUrl} instead (a fake's, in tests). */
    Provider at(URI baseUrl) {
      return new Provider(
          name,
          baseUrl,
          headers,
          credentials,
          badCredentials,
          secrets,
          standIns,
          model,
          embeddingModel,
          modelHeader,
          resigner);
    }
  }

  /**
   * One request a recording sends.
   *
   * @param name the fixture's name
   * @param path the gateway's path it is sent to: {@value #CHAT}, {@value #EMBEDDINGS} or {@value
   *     #MESSAGES}
   * @param body the client's body, for the provider's model
   * @param badKey whether it is sent with credentials the provider refuses
   */
  record Scenario(String name, String path, Function<String, String> body, boolean badKey) {}

  static final String CHAT = "/v1/chat/completions";
  static final String EMBEDDINGS = "/v1/embeddings";
  static final String MESSAGES = "/v1/messages";

  /** The providers whose Claude models serve Anthropic's Messages API through the gateway. */
  static final Set<String> MESSAGES_PROVIDERS = Set.of("anthropic", "bedrock");

  private static final String ASK =
      """
      [{"role":"system","content":"Answer in one short sentence."},\
      {"role":"user","content":"Which planet is called the red planet?"}]\
      """;
  private static final String ASK_TOOLS =
      """
      [{"role":"user","content":"What is the weather in Lisbon and in Oslo? Call the tool once per city."}]\
      """;
  private static final String WEATHER_TOOL =
      """
      [{"type":"function","function":{"name":"get_weather","description":"Current weather in a city",\
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]\
      """;
  private static final String CITY_SCHEMA =
      """
      {"type":"json_schema","json_schema":{"name":"city","strict":true,"schema":{"type":"object",\
      "properties":{"city":{"type":"string"},"country":{"type":"string"}},\
      "required":["city","country"],"additionalProperties":false}}}\
      """;
  private static final String ANTHROPIC_ASK =
      """
      "system":"Answer in one short sentence.",\
      "messages":[{"role":"user","content":"Which planet is called the red planet?"}]\
      """;
  private static final String ANTHROPIC_TOOLS =
      """
      "tools":[{"name":"get_weather","description":"Current weather in a city",\
      "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],\
      "messages":[{"role":"user","content":"What is the weather in Lisbon and in Oslo? Call the tool once per city."}]\
      """;
  private static final String EMBED_ONE = "\"Mars is called the red planet.\"";
  private static final String EMBED_TWO =
      "[\"Mars is called the red planet.\",\"Earth is called the blue planet.\"]";

  /**
   * The scenarios: chat requests, embedding requests, then Anthropic's Messages API (for {@link
   * #MESSAGES_PROVIDERS} only).
   */
  static final List<Scenario> SCENARIOS =
      List.of(
          new Scenario("chat", CHAT, model -> chat(model, ASK, "\"max_tokens\":256"), false),
          new Scenario(
              "chat-stream",
              CHAT,
              model ->
                  chat(
                      model,
                      ASK,
                      "\"max_tokens\":256,\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
              false),
          new Scenario(
              "tool-calls-parallel",
              CHAT,
              model ->
                  chat(
                      model,
                      ASK_TOOLS,
                      "\"max_tokens\":512,\"tools\":" + WEATHER_TOOL + ",\"tool_choice\":\"auto\""),
              false),
          new Scenario(
              "tool-calls-stream",
              CHAT,
              model ->
                  chat(
                      model,
                      ASK_TOOLS,
                      "\"max_tokens\":512,\"tools\":"
                          + WEATHER_TOOL
                          + ",\"tool_choice\":\"auto\",\"stream\":true,"
                          + "\"stream_options\":{\"include_usage\":true}"),
              false),
          new Scenario(
              "structured-output",
              CHAT,
              model ->
                  chat(
                      model,
                      "[{\"role\":\"user\",\"content\":\"Name the capital of Portugal.\"}]",
                      "\"max_tokens\":256,\"response_format\":" + CITY_SCHEMA),
              false),
          new Scenario(
              "error-bad-model",
              CHAT,
              model -> chat("no-such-model-switchboard", ASK, "\"max_tokens\":16"),
              false),
          new Scenario("error-bad-key", CHAT, model -> chat(model, ASK, "\"max_tokens\":16"), true),
          // 256 dimensions: a size every default embedding model below takes, and a short file.
          new Scenario("embeddings", EMBEDDINGS, model -> embed(model, EMBED_ONE, ""), false),
          new Scenario(
              "embeddings-batch",
              EMBEDDINGS,
              model -> embed(model, EMBED_TWO, ",\"encoding_format\":\"base64\""),
              false),
          new Scenario("messages", MESSAGES, model -> messages(model, 256, ANTHROPIC_ASK), false),
          new Scenario(
              "messages-stream",
              MESSAGES,
              model -> messages(model, 256, ANTHROPIC_ASK + ",\"stream\":true"),
              false),
          new Scenario(
              "messages-tool-use", MESSAGES, model -> messages(model, 512, ANTHROPIC_TOOLS), false),
          new Scenario(
              "messages-error-bad-model",
              MESSAGES,
              model -> messages("no-such-model-switchboard", 16, ANTHROPIC_ASK),
              false));

  private final Path directory;
  private final Clock clock;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  FixtureRecorder(Path directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    Path directory =
        Path.of(System.getProperty("record.dir", "switchboard-server/src/test/resources/replay"));
    List<String> only =
        System.getProperty("record.providers", "").isBlank()
            ? List.of()
            : List.of(System.getProperty("record.providers").split(","));
    List<Provider> providers =
        fromEnvironment(System.getenv()).stream()
            .filter(provider -> only.isEmpty() || only.contains(provider.name()))
            .toList();
    if (providers.isEmpty()) {
      System.err.println(
          "No provider key in the environment; set OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY,"
              + " COHERE_API_KEY, MISTRAL_API_KEY, GROQ_API_KEY, AWS_ACCESS_KEY_ID and"
              + " AWS_SECRET_ACCESS_KEY, AZURE_OPENAI_API_KEY with AZURE_OPENAI_RESOURCE, or"
              + " VERTEX_ACCESS_TOKEN with VERTEX_PROJECT_ID (docs/providers.md, \"Recorded"
              + " exchanges\").");
      System.exit(2);
    }
    FixtureRecorder recorder = new FixtureRecorder(directory, Clock.systemUTC());
    for (Provider provider : providers) {
      for (Path written : recorder.record(provider)) {
        System.out.println("wrote " + written);
      }
    }
  }

  /** The providers whose credentials {@code env} holds. */
  static List<Provider> fromEnvironment(Map<String, String> env) {
    List<Provider> providers = new ArrayList<>();
    bearer(
        env,
        providers,
        "openai",
        "OPENAI_API_KEY",
        "https://api.openai.com/v1",
        "gpt-4o-mini",
        "text-embedding-3-small");
    bearer(
        env,
        providers,
        "anthropic",
        "ANTHROPIC_API_KEY",
        "https://api.anthropic.com/v1",
        "claude-3-5-haiku-latest",
        null);
    bearer(
        env,
        providers,
        "google",
        "GEMINI_API_KEY",
        "https://generativelanguage.googleapis.com",
        "gemini-2.0-flash",
        "gemini-embedding-001");
    bearer(
        env,
        providers,
        "cohere",
        "COHERE_API_KEY",
        "https://api.cohere.com",
        "command-r-08-2024",
        "embed-v4.0");
    bearer(
        env,
        providers,
        "mistral-ai",
        "MISTRAL_API_KEY",
        "https://api.mistral.ai/v1",
        "mistral-small-latest",
        null);
    bearer(
        env,
        providers,
        "groq",
        "GROQ_API_KEY",
        "https://api.groq.com/openai/v1",
        "llama-3.1-8b-instant",
        null);
    azure(env, providers);
    vertex(env, providers);
    String keyId = env.get("AWS_ACCESS_KEY_ID");
    String secret = env.get("AWS_SECRET_ACCESS_KEY");
    if (keyId != null && secret != null) {
      String region = env.getOrDefault("AWS_REGION", "us-east-1");
      String token = env.get("AWS_SESSION_TOKEN");
      Map<String, String> credentials = new LinkedHashMap<>();
      credentials.put("x-portkey-aws-access-key-id", keyId);
      credentials.put("x-portkey-aws-secret-access-key", secret);
      if (token != null) {
        credentials.put("x-portkey-aws-session-token", token);
      }
      List<String> secrets = new ArrayList<>(List.of(keyId, secret));
      if (token != null) {
        secrets.add(token);
      }
      providers.add(
          new Provider(
              "bedrock",
              URI.create("https://bedrock-runtime." + region + ".amazonaws.com"),
              Map.of("x-portkey-aws-region", region),
              credentials,
              Map.of(
                  "x-portkey-aws-access-key-id", "AKIAIOSFODNN7EXAMPLE",
                  "x-portkey-aws-secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
              secrets,
              Map.of(),
              env.getOrDefault(
                  "SWITCHBOARD_RECORD_BEDROCK_MODEL", "anthropic.claude-3-haiku-20240307-v1:0"),
              env.getOrDefault(
                  "SWITCHBOARD_RECORD_BEDROCK_EMBEDDING_MODEL", "amazon.titan-embed-text-v2:0"),
              null,
              (method, uri, headers, body) ->
                  awsResign(method, uri, headers, body, region, keyId, secret, token)));
    }
    return providers;
  }

  private static void bearer(
      Map<String, String> env,
      List<Provider> providers,
      String name,
      String keyVariable,
      String baseUrl,
      String model,
      String embeddingModel) {
    String key = env.get(keyVariable);
    if (key == null || key.isBlank()) {
      return;
    }
    String variable =
        "SWITCHBOARD_RECORD_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    providers.add(
        Provider.withBearer(
            name,
            URI.create(baseUrl),
            Map.of(),
            key,
            Map.of(),
            env.getOrDefault(variable + "_MODEL", model),
            env.getOrDefault(variable + "_EMBEDDING_MODEL", embeddingModel),
            null));
  }

  /**
   * Azure OpenAI: a resource's deployments, named in the client's headers (a chat deployment, and
   * an embedding deployment when {@code AZURE_OPENAI_EMBEDDING_DEPLOYMENT} names one). The
   * resource's name becomes {@code replay-resource} in the fixtures.
   */
  private static void azure(Map<String, String> env, List<Provider> providers) {
    String key = env.get("AZURE_OPENAI_API_KEY");
    String resource = env.get("AZURE_OPENAI_RESOURCE");
    if (key == null || key.isBlank() || resource == null || resource.isBlank()) {
      return;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-portkey-azure-resource-name", resource);
    headers.put(
        "x-portkey-azure-api-version", env.getOrDefault("AZURE_OPENAI_API_VERSION", "2024-10-21"));
    // The key goes as the gateway takes it, Authorization: Bearer; Azure gets it as api-key.
    providers.add(
        Provider.withBearer(
            "azure-openai",
            URI.create("https://" + resource + ".openai.azure.com/openai"),
            headers,
            key,
            Map.of(resource, "replay-resource"),
            env.getOrDefault("AZURE_OPENAI_DEPLOYMENT", "gpt-4o-mini"),
            env.get("AZURE_OPENAI_EMBEDDING_DEPLOYMENT"),
            "x-portkey-azure-deployment-id"));
  }

  /**
   * Vertex AI: Gemini models in a project and region, with an OAuth access token ({@code gcloud
   * auth print-access-token}). The project's id becomes {@code replay-project} in the fixtures.
   */
  private static void vertex(Map<String, String> env, List<Provider> providers) {
    String token = env.get("VERTEX_ACCESS_TOKEN");
    String project = env.get("VERTEX_PROJECT_ID");
    if (token == null || token.isBlank() || project == null || project.isBlank()) {
      return;
    }
    String region = env.getOrDefault("VERTEX_REGION", "us-central1");
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-portkey-vertex-region", region);
    headers.put("x-portkey-vertex-project-id", project);
    providers.add(
        Provider.withBearer(
            "vertex-ai",
            URI.create(
                region.equals("global")
                    ? "https://aiplatform.googleapis.com"
                    : "https://" + region + "-aiplatform.googleapis.com"),
            headers,
            token,
            Map.of(project, "replay-project"),
            env.getOrDefault("SWITCHBOARD_RECORD_VERTEX_AI_MODEL", "gemini-2.0-flash"),
            env.getOrDefault("SWITCHBOARD_RECORD_VERTEX_AI_EMBEDDING_MODEL", "text-embedding-005"),
            null));
  }

  /**
   * Records every scenario with {@code provider}, writing a fixture for each upstream exchange.
   *
   * @return the files written
   */
  List<Path> record(Provider provider) throws IOException, InterruptedException {
    List<Path> written = new ArrayList<>();
    FixtureScrubber scrubber = FixtureScrubber.of(provider.secrets(), provider.standIns());
    try (RecordingTap tap = RecordingTap.start(provider.baseUrl(), provider.resigner());
        SwitchboardServer gateway =
            SwitchboardServer.start(
                new ServerSettings(
                    "127.0.0.1",
                    0,
                    ServerSettings.DEFAULT_MAX_BODY_BYTES,
                    Duration.ofSeconds(5),
                    GatewaySettings.builder()
                        .providerBaseUrl(provider.name(), tap.baseUrl())
                        .build()))) {
      for (Scenario scenario : SCENARIOS) {
        boolean embeddings = scenario.path().equals(EMBEDDINGS);
        String model = embeddings ? provider.embeddingModel() : provider.model();
        boolean messages = scenario.path().equals(MESSAGES);
        if (model == null || messages && !MESSAGES_PROVIDERS.contains(provider.name())) {
          continue;
        }
        String body = scenario.body().apply(model);
        Map<String, String> clientHeaders = new LinkedHashMap<>();
        clientHeaders.put("x-portkey-provider", provider.name());
        clientHeaders.putAll(provider.headers());
        if (messages) {
          clientHeaders.put("anthropic-version", "2023-06-01");
        }
        if (provider.modelHeader() != null) {
          clientHeaders.put(provider.modelHeader(), JSON.readTree(body).path("model").asText());
        }
        HttpRequest.Builder request =
            HttpRequest.newBuilder(gateway.baseUri().resolve(scenario.path()))
                .timeout(Duration.ofMinutes(2))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        clientHeaders.forEach(request::header);
        (scenario.badKey() ? provider.badCredentials() : provider.credentials())
            .forEach(request::header);
        HttpResponse<String> answer =
            http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        List<RecordingTap.Relayed> relayed = tap.drain();
        if (relayed.isEmpty()) {
          System.err.printf(
              "%s %s: the gateway sent nothing upstream (%d); no fixture%n",
              provider.name(), scenario.name(), answer.statusCode());
          continue;
        }
        if (relayed.size() > 1) {
          // A fixture holds one exchange, and a replay answers every request with it.
          System.err.printf(
              "%s %s: the gateway made %d calls upstream (Titan embeds one text a call); no"
                  + " fixture%n",
              provider.name(), scenario.name(), relayed.size());
          continue;
        }
        RecordingTap.Relayed last = relayed.getLast();
        ReplayFixture fixture =
            new ReplayFixture(
                provider.name(),
                scenario.name(),
                "recorded " + LocalDate.now(clock) + " " + provider.baseUrl(),
                new ReplayFixture.ClientCall(scenario.path(), clientHeaders, json(body)),
                last.request(),
                last.response());
        Path file = directory.resolve(provider.name()).resolve(scenario.name() + ".json");
        scrubber.scrub(fixture).write(file);
        written.add(file);
      }
    }
    return written;
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The gateway signed for the relay's host; AWS checks the signature against its own. */
  private static Map<String, String> awsResign(
      String method,
      URI uri,
      Map<String, String> headers,
      byte[] body,
      String region,
      String keyId,
      String secret,
      String token) {
    SdkHttpRequest.Builder request =
        SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
    headers.forEach((name, value) -> {
      if (!name.equals("authorization") && !name.startsWith("x-amz-")) {
        request.appendHeader(name, value);
      }
    });
    AwsCredentialsIdentity identity =
        token == null
            ? AwsCredentialsIdentity.create(keyId, secret)
            : AwsSessionCredentialsIdentity.create(keyId, secret, token);
    SdkHttpRequest signed =
        AwsV4HttpSigner.create()
            .sign(sign ->
                sign.identity(identity)
                    .request(request.build())
                    .payload(ContentStreamProvider.fromByteArray(body))
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region))
            .request();
    Map<String, String> out = new LinkedHashMap<>();
    signed.forEachHeader((name, values) -> {
      if (!name.equalsIgnoreCase("host")) {
        out.put(name.toLowerCase(java.util.Locale.ROOT), String.join(", ", values));
      }
    });
    return Objects.requireNonNull(out);
  }

  private static String chat(String model, String messages, String more) {
    return "{\"model\":\"" + model + "\",\"messages\":" + messages + "," + more + "}";
  }

  private static String messages(String model, int maxTokens, String more) {
    return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens + "," + more + "}";
  }

  private static String embed(String model, String input, String more) {
    return "{\"model\":\"" + model + "\",\"input\":" + input + ",\"dimensions\":256" + more + "}";
  }
}
