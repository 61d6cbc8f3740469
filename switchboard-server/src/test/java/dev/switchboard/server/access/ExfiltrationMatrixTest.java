package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.FakeAzureOpenAi;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.FakeVertex;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every source of a provider credential × every way a request can try to move its call: a stored
 * credential (a virtual key, a saved config's key) reaches only its record's destination, so the
 * loopback "sink" receives nothing from it, while the caller's own credentials go where the caller
 * says. The legit destinations are the test kit's fakes, set as the providers' base URLs; the sink
 * is one more fake that records everything it receives (and is also the {@code cohere} provider's
 * base URL, so a provider switch is seen there too).
 */
class ExfiltrationMatrixTest {
  static final String ADMIN_TOKEN = "sbadm-exfiltration-matrix-token";
  static final String WORKSPACE = "ws-exfil";
  static final String BEDROCK_KEY_ID = "AKIASTOREDBEDROCK001";
  static final String BEDROCK_SECRET = "storedBedrockSecret/abcdefghijklmnopqrstu";
  static final String VERTEX_EMAIL = "stored@switchboard-test.iam.gserviceaccount.com";
  static final String STORED_OPENAI_KEY = "sk-stored-virtual-key-canary";
  static final String SAVED_CONFIG_KEY = "sk-saved-config-canary";
  static final String STORED_AZURE_KEY = "azure-stored-canary";

  static FakeOpenAi openai;
  static FakeBedrock bedrock;
  static FakeVertex vertex;
  static FakeAzureOpenAi azure;
  static FakeOpenAi sink;
  static AccessGateway gateway;
  static String gatewayKey;

  @BeforeAll
  static void start() throws Exception {
    openai = FakeOpenAi.start();
    bedrock =
        FakeBedrock.builder()
            .credentials(BEDROCK_KEY_ID, BEDROCK_SECRET)
            .region("eu-west-1")
            .start();
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair vertexKeys = rsa.generateKeyPair();
    vertex = FakeVertex.builder().serviceAccount(VERTEX_EMAIL, vertexKeys.getPublic()).start();
    azure = FakeAzureOpenAi.start();
    azure.requireApiKey(STORED_AZURE_KEY);
    sink = FakeOpenAi.start();
    byte[] master = new byte[32];
    new SecureRandom().nextBytes(master);
    AccessSettings access =
        AccessSettings.inMemory()
            .withRequireKeys(true)
            .withMasterKeys(Base64.getEncoder().encodeToString(master), List.of());
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(access, ADMIN_TOKEN),
            engine ->
                engine
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                    .providerBaseUrl("vertex-ai", URI.create(vertex.origin()))
                    .providerBaseUrl("azure-openai", URI.create(azure.baseUrl()))
                    .providerBaseUrl("cohere", URI.create(sink.origin()))
                    .config(
                        "saved-openai",
                        WireJson.tree(
                            "{\"provider\":\"openai\",\"api_key\":\"" + SAVED_CONFIG_KEY + "\"}")));
    gateway.createWorkspace(WORKSPACE, null);
    gatewayKey = gateway.createKey(WORKSPACE, "caller", null, null).secret();
    virtualKey("vk-openai", "openai", Map.of("api_key", STORED_OPENAI_KEY));
    virtualKey(
        "vk-bedrock",
        "bedrock",
        Map.of(
            "aws_access_key_id", BEDROCK_KEY_ID,
            "aws_secret_access_key", BEDROCK_SECRET,
            "aws_region", "eu-west-1"));
    virtualKey(
        "vk-vertex",
        "vertex-ai",
        Map.of(
            "vertex_service_account_json",
            vertex.serviceAccountJson(VERTEX_EMAIL, vertexKeys),
            "vertex_region",
            FakeVertex.DEFAULT_REGION));
    virtualKey(
        "vk-azure",
        "azure-openai",
        Map.of(
            "api_key", STORED_AZURE_KEY,
            "resource_name", "stored-resource",
            "deployment_id", "gpt4o-prod",
            "api_version", "2024-10-21"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable :
        new AutoCloseable[] {gateway, sink, azure, vertex, bedrock, openai}) {
      try {
        closeable.close();
      } catch (Exception ignored) {
        // the others still close
      }
    }
  }

  private static void virtualKey(String slug, String provider, Map<String, String> credentials) {
    ObjectNode body = WireJson.mapper().createObjectNode();
    body.put("workspace", WORKSPACE).put("slug", slug).put("provider", provider);
    credentials.forEach(body.putObject("credentials")::put);
    AccessGateway.expect2xx(
        gateway.admin("POST", "/v1/admin/virtual-keys", body.toString()), "virtual key " + slug);
  }

  /**
   * One source of a credential.
   *
   * @param headers what names the credential by headers alone
   * @param target the config target that names it, or {@code null} when a caller cannot write one
   *     (a saved config)
   * @param configHeaders what goes with an inline config (the header key itself)
   * @param hostOption the host-deciding option that matters to this provider, its header, and a
   *     value that is not the stored one
   */
  record Source(
      String name,
      boolean stored,
      String model,
      Map<String, String> headers,
      String target,
      Map<String, String> configHeaders,
      String hostOption,
      String hostOptionHeader,
      String otherValue,
      Supplier<List<RecordedRequest>> destination) {}

  static List<Source> sources() {
    Supplier<List<RecordedRequest>> atOpenAi = () -> openai.requests();
    return List.of(
        new Source(
            "header key (openai)",
            false,
            "gpt-4o-mini",
            Map.of("x-portkey-provider", "openai", "authorization", "Bearer sk-caller-own"),
            "{\"provider\":\"openai\"}",
            Map.of("authorization", "Bearer sk-caller-own"),
            "awsRegion",
            "x-portkey-aws-region",
            "us-east-1",
            atOpenAi),
        new Source(
            "inline config api_key",
            false,
            "gpt-4o-mini",
            Map.of(
                "x-portkey-config", "{\"provider\":\"openai\",\"api_key\":\"sk-caller-inline\"}"),
            "{\"provider\":\"openai\",\"api_key\":\"sk-caller-inline\"}",
            Map.of(),
            "awsRegion",
            "x-portkey-aws-region",
            "us-east-1",
            atOpenAi),
        new Source(
            "saved config (openai)",
            true,
            "gpt-4o-mini",
            Map.of("x-portkey-config", "saved-openai"),
            null,
            Map.of(),
            "awsRegion",
            "x-portkey-aws-region",
            "us-east-1",
            atOpenAi),
        new Source(
            "virtual key (openai)",
            true,
            "gpt-4o-mini",
            Map.of("x-portkey-virtual-key", "vk-openai"),
            "{\"virtual_key\":\"vk-openai\"}",
            Map.of(),
            "awsRegion",
            "x-portkey-aws-region",
            "us-east-1",
            atOpenAi),
        new Source(
            "virtual key (bedrock, AWS keys)",
            true,
            "amazon.nova-pro-v1:0",
            Map.of("x-portkey-virtual-key", "vk-bedrock"),
            "{\"virtual_key\":\"vk-bedrock\"}",
            Map.of(),
            "awsRegion",
            "x-portkey-aws-region",
            "attacker.example:443/",
            () -> bedrock.requests()),
        new Source(
            "virtual key (vertex, service account)",
            true,
            "gemini-2.5-flash",
            Map.of("x-portkey-virtual-key", "vk-vertex"),
            "{\"virtual_key\":\"vk-vertex\"}",
            Map.of(),
            "vertexRegion",
            "x-portkey-vertex-region",
            "europe-west4",
            () -> vertex.apiRequests()),
        new Source(
            "virtual key (azure)",
            true,
            "gpt-4o",
            Map.of("x-portkey-virtual-key", "vk-azure"),
            "{\"virtual_key\":\"vk-azure\"}",
            Map.of(),
            "resourceName",
            "x-portkey-azure-resource-name",
            "attacker",
            () -> azure.requests()));
  }

  /** A way to move a call: the request's extra headers for a source, or null when it has none. */
  record Move(
      String name,
      boolean movesTheCall,
      java.util.function.Function<Source, Map<String, String>> headers) {}

  static List<Move> moves() {
    String sinkHost = sink.baseUrl();
    return List.of(
        new Move("none", false, source -> source.headers()),
        new Move(
            "custom host header",
            true,
            source -> with(source.headers(), "x-portkey-custom-host", sinkHost)),
        new Move(
            "config custom_host",
            true,
            source -> config(source, t -> t.put("custom_host", sinkHost))),
        new Move(
            "config customHost",
            true,
            source -> config(source, t -> t.put("customHost", sinkHost))),
        new Move(
            "nested, inherited custom_host",
            true,
            source ->
                nested(
                    source,
                    "{\"strategy\":{\"mode\":\"fallback\"},\"custom_host\":\"" + sinkHost + "\"}",
                    t -> {})),
        new Move(
            "nested, own custom_host",
            true,
            source ->
                nested(
                    source,
                    "{\"strategy\":{\"mode\":\"single\"}}",
                    t -> t.put("custom_host", sinkHost))),
        new Move(
            "region/resource header",
            true,
            source -> with(source.headers(), source.hostOptionHeader(), source.otherValue())),
        new Move(
            "region/resource config",
            true,
            source -> config(source, t -> t.put(source.hostOption(), source.otherValue()))),
        new Move(
            "provider switch config",
            true,
            source -> config(source, t -> t.put("provider", "cohere"))),
        new Move(
            "provider switch header",
            true,
            source -> with(source.headers(), "x-portkey-provider", "cohere")),
        new Move(
            "forward headers (host, x-portkey-*)",
            false,
            source ->
                with(
                    with(
                        source.headers(),
                        "x-portkey-forward-headers",
                        "host, x-portkey-custom-host, x-portkey-provider, x-portkey-virtual-key,"
                            + " x-portkey-config, authorization, api-key, x-switchboard-hops"),
                    "x-switchboard-hops",
                    "0")));
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put(name, value);
    return all;
  }

  private static Map<String, String> config(
      Source source, java.util.function.Consumer<ObjectNode> change) {
    if (source.target() == null) {
      return null;
    }
    ObjectNode target = (ObjectNode) WireJson.tree(source.target());
    change.accept(target);
    return with(source.configHeaders(), "x-portkey-config", target.toString());
  }

  private static Map<String, String> nested(
      Source source, String group, java.util.function.Consumer<ObjectNode> change) {
    if (source.target() == null) {
      return null;
    }
    ObjectNode target = (ObjectNode) WireJson.tree(source.target());
    change.accept(target);
    ObjectNode config = (ObjectNode) WireJson.tree(group);
    config.putArray("targets").add(target);
    return with(source.configHeaders(), "x-portkey-config", config.toString());
  }

  @Test
  void noStoredCredentialReachesAHostOutsideItsRecord() {
    ReportTable table =
        new ReportTable(
            "Exfiltration matrix: status / requests at the sink (stored credentials must be 0)",
            headerRow());
    int leaks = 0;
    List<String> failures = new ArrayList<>();
    for (Source source : sources()) {
      List<Object> row = new ArrayList<>();
      row.add(source.name() + (source.stored() ? " [stored]" : " [caller's]"));
      for (Move move : moves()) {
        Map<String, String> headers = move.headers().apply(source);
        if (headers == null) {
          row.add("n/a");
          continue;
        }
        int sinkBefore = sink.requests().size();
        int destinationBefore = source.destination().get().size();
        HttpResponse<String> answer = call(source, headers);
        int atSink = sink.requests().size() - sinkBefore;
        List<RecordedRequest> delivered = source.destination().get();
        List<RecordedRequest> fresh = delivered.subList(destinationBefore, delivered.size());
        row.add(answer.statusCode() + " / " + atSink);
        if (source.stored() && atSink > 0) {
          leaks += atSink;
          failures.add(source.name() + " × " + move.name() + ": " + atSink + " at the sink");
        }
        if (!move.movesTheCall()) {
          if (answer.statusCode() != 200 || fresh.isEmpty()) {
            failures.add(
                source.name()
                    + " × "
                    + move.name()
                    + ": legit call answered "
                    + answer.statusCode()
                    + " "
                    + answer.body());
          }
          for (RecordedRequest sent : fresh) {
            if (sent.headers().stream().anyMatch(h -> h.getKey().startsWith("x-portkey-"))
                || ("127.0.0.1:" + gateway.port()).equals(sent.header("host"))
                || !"1".equals(sent.header("x-switchboard-hops"))) {
              failures.add(source.name() + " × " + move.name() + ": forwarded a routing header");
            }
          }
        } else if (source.stored() && answer.statusCode() != 400) {
          failures.add(
              source.name()
                  + " × "
                  + move.name()
                  + ": answered "
                  + answer.statusCode()
                  + ", not 400");
        }
      }
      table.row(row.toArray());
    }
    table.print();
    assertThat(failures).isEmpty();
    assertThat(leaks).isZero();
  }

  private static String[] headerRow() {
    List<String> header = new ArrayList<>();
    header.add("credential source");
    moves().forEach(move -> header.add(move.name()));
    return header.toArray(String[]::new);
  }

  private static HttpResponse<String> call(Source source, Map<String, String> headers) {
    List<String> flat = new ArrayList<>(List.of("x-portkey-api-key", gatewayKey));
    headers.forEach((name, value) -> {
      flat.add(name);
      flat.add(value);
    });
    return gateway.send(
        "POST",
        "/v1/chat/completions",
        "{\"model\":\""
            + source.model()
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        flat.toArray(String[]::new));
  }
}
