package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest) on
 * 127.0.0.1, with the OAuth token endpoint its callers mint access tokens at:
 *
 * <ul>
 *   <li>{@code POST /token}: Google's JWT-bearer grant (RFC 7523,
 *       https://developers.google.com/identity/protocols/oauth2/service-account#httprest): it
 *       verifies the assertion's RS256 signature with the public key of the service account it
 *       names ({@code iss}), its audience, scope and times, and issues an access token;
 *   <li>{@code POST /v1/projects/{project}/locations/{region}/publishers/google/models/{model}:}
 *       {@code generateContent}, {@code streamGenerateContent} ({@code ?alt=sse}) and {@code
 *       predict} (text embeddings), as {@link FakeGemini} answers them, each answer and stream
 *       event with the {@code createTime} Vertex AI adds (on the clock the fake was built with);
 *   <li>{@code …/publishers/anthropic/models/{model}:rawPredict} and {@code :streamRawPredict}:
 *       Anthropic's Messages API as Vertex AI serves Claude.
 * </ul>
 *
 * <p>Every API call needs {@code Authorization: Bearer <token>} with a token this fake issued and
 * that has not expired (or one {@linkplain Builder#acceptAccessToken accepted as is}), and the
 * project and region the fake was built for.
 */
public final class FakeVertex implements AutoCloseable {
  public static final String DEFAULT_PROJECT = "switchboard-test";
  public static final String DEFAULT_REGION = "us-central1";
  static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern ROUTE =
      Pattern.compile(
          "/v1/projects/([^/]+)/locations/([^/]+)/publishers/([^/]+)/models/([^/:]+):([A-Za-z]+)");

  private final GeminiModelApi gemini;
  private final AnthropicApi anthropic = new AnthropicApi();
  private final FakeServer<Fault> server;
  private final String project;
  private final String region;
  private final Duration tokenLifetime;
  private final Clock clock;
  private final Map<String, PublicKey> serviceAccounts;
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();
  private final AtomicInteger tokenRequests = new AtomicInteger();

  private FakeVertex(Builder builder) {
    this.project = builder.project;
    this.region = builder.region;
    this.tokenLifetime = builder.tokenLifetime;
    this.clock = builder.clock;
    this.gemini = new GeminiModelApi(builder.clock);
    this.serviceAccounts = Map.copyOf(builder.serviceAccounts);
    builder.acceptedTokens.forEach(token -> tokens.put(token, Long.MAX_VALUE));
    this.server = new FakeServer<>("Vertex", builder.port, builder.recordRequests, this::answer);
  }

  public static FakeVertex start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int port;
    private boolean recordRequests = true;
    private String project = DEFAULT_PROJECT;
    private String region = DEFAULT_REGION;
    private Duration tokenLifetime = Duration.ofHours(1);
    private Clock clock = Clock.systemUTC();
    private final Map<String, PublicKey> serviceAccounts = new ConcurrentHashMap<>();
    private final java.util.Set<String> acceptedTokens = ConcurrentHashMap.newKeySet();

    private Builder() {}

    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /** The project the API answers for; any other is refused (403). */
    public Builder project(String project) {
      this.project = Objects.requireNonNull(project);
      return this;
    }

    /** The region the API answers for; any other is refused (403). */
    public Builder region(String region) {
      this.region = Objects.requireNonNull(region);
      return this;
    }

    /** A service account the token endpoint knows: its email and the public half of its key. */
    public Builder serviceAccount(String clientEmail, PublicKey publicKey) {
      serviceAccounts.put(Objects.requireNonNull(clientEmail), Objects.requireNonNull(publicKey));
      return this;
    }

    /** An access token the API accepts without the token endpoint having issued it. */
    public Builder acceptAccessToken(String token) {
      acceptedTokens.add(Objects.requireNonNull(token));
      return this;
    }

    /** How long an issued token lives ({@code expires_in}); one hour by default, as Google's. */
    public Builder tokenLifetime(Duration lifetime) {
      this.tokenLifetime = Objects.requireNonNull(lifetime);
      return this;
    }

    /** The clock tokens expire by. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public FakeVertex start() {
      FakeVertex fake = new FakeVertex(this);
      fake.server.start();
      return fake;
    }
  }

  public int port() {
    return server.port();
  }

  /**
   * {@code http://127.0.0.1:<port>}: where {@code https://{region}-aiplatform.googleapis.com} is.
   */
  public String origin() {
    return server.origin();
  }

  /** The fake token endpoint, for a service account JSON's {@code token_uri}. */
  public String tokenUri() {
    return origin() + "/token";
  }

  public String project() {
    return project;
  }

  public String region() {
    return region;
  }

  /**
   * A service account key file as Google Cloud issues it
   * (https://cloud.google.com/iam/docs/keys-create-delete), for {@code clientEmail} with {@code
   * keys}' private key, this fake's project, and this fake's {@link #tokenUri()}.
   */
  public String serviceAccountJson(String clientEmail, KeyPair keys) {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    ObjectNode json = JSON.createObjectNode();
    json.put("type", "service_account");
    json.put("project_id", project);
    json.put("private_key_id", Integer.toHexString(RANDOM.nextInt()) + "0123456789abcdef");
    json.put("private_key", pem);
    json.put("client_email", clientEmail);
    json.put("client_id", "1" + Math.abs(RANDOM.nextLong()));
    json.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    json.put("token_uri", tokenUri());
    json.put("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
    json.put("universe_domain", "googleapis.com");
    return json.toString();
  }

  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  /** The next answer of a Gemini model. */
  public void enqueue(GeminiReply reply) {
    gemini.enqueue(Objects.requireNonNull(reply));
  }

  /** The next answer of a Claude model. */
  public void enqueue(AnthropicReply reply) {
    anthropic.enqueue(Objects.requireNonNull(reply));
  }

  /** How many requests the token endpoint received. */
  public int tokenRequests() {
    return tokenRequests.get();
  }

  /** Every request received so far (token requests included), oldest first. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** The requests to the API, token requests left out, oldest first. */
  public List<RecordedRequest> apiRequests() {
    return server.requests().stream().filter(r -> !r.path().equals("/token")).toList();
  }

  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  public int requestCount() {
    return server.requestCount();
  }

  public int abortedStreams() {
    return server.streams().aborted();
  }

  @Override
  public void close() {
    server.close();
  }

  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    if (recorded.path().equals("/token")) {
      tokenRequests.incrementAndGet();
      new GeminiExchange(request, response, callback, server.streams())
          .play(null, error -> token(recorded));
      return;
    }
    Fault fault = server.nextFault();
    Matcher route = ROUTE.matcher(recorded.path());
    if (route.matches() && route.group(3).equals("anthropic")) {
      String requestId = AnthropicApi.requestId();
      new AnthropicExchange(request, response, callback, server.streams(), requestId)
          .play(fault, error -> api(recorded, route, error));
      return;
    }
    new GeminiExchange(request, response, callback, server.streams())
        .play(fault, error -> api(recorded, route, error));
  }

  /**
   * Model Garden's list of Google's publisher models
   * (https://cloud.google.com/vertex-ai/docs/reference/rest/v1beta1/publishers.models/list).
   */
  private static ObjectNode publisherModels() {
    ObjectNode list = JSON.createObjectNode();
    var models = list.putArray("publisherModels");
    for (String id : List.of("gemini-2.5-pro", "gemini-2.5-flash", "text-embedding-005")) {
      ObjectNode model = models.addObject();
      model.put("name", "publishers/google/models/" + id);
      model.put("versionId", "001");
      model.put("openSourceCategory", "PROPRIETARY");
      model.put("launchStage", "GA");
      model.put(
          "publisherModelTemplate",
          "projects/{project}/locations/{location}/publishers/google/models/" + id);
    }
    return list;
  }

  private Reply api(RecordedRequest request, Matcher route, Fault.Status forced) {
    String authorization = request.header("authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return new GoogleError(
              401,
              "UNAUTHENTICATED",
              "Request is missing required authentication credential. Expected OAuth 2 access"
                  + " token, login cookie or other valid authentication credential.")
          .reply(Map.of());
    }
    Long expiry = tokens.get(authorization.substring("Bearer ".length()));
    if (expiry == null || expiry <= clock.millis()) {
      return GoogleError.forStatus(401).reply(Map.of());
    }
    if (request.path().equals("/v1beta1/publishers/google/models")
        && request.method().equals("GET")) {
      return new Reply.Json(200, publisherModels(), Map.of());
    }
    if (!route.matches() || !request.method().equals("POST")) {
      return new GoogleError(404, "NOT_FOUND", "The requested URL was not found on this server.")
          .reply(Map.of());
    }
    String publisher = route.group(3);
    String model = route.group(4);
    String method = route.group(5);
    if (!route.group(1).equals(project) || !route.group(2).equals(region)) {
      return new GoogleError(
              403,
              "PERMISSION_DENIED",
              "Permission 'aiplatform.endpoints.predict' denied on resource"
                  + " '//aiplatform.googleapis.com/projects/"
                  + route.group(1)
                  + "/locations/"
                  + route.group(2)
                  + "/publishers/"
                  + publisher
                  + "/models/"
                  + model
                  + "' (or it may not exist).")
          .reply(Map.of());
    }
    if (forced != null) {
      return GoogleError.forStatus(forced.status()).reply(forced.headers());
    }
    try {
      if (publisher.equals("anthropic")) {
        return switch (method) {
          case "rawPredict" ->
              anthropic.vertexRawPredict(request, model, false, AnthropicApi.requestId());
          case "streamRawPredict" ->
              anthropic.vertexRawPredict(request, model, true, AnthropicApi.requestId());
          default -> notFound(publisher, model);
        };
      }
      if (!publisher.equals("google")) {
        return notFound(publisher, model);
      }
      return switch (method) {
        case "generateContent" ->
            gemini.generate(GeminiModelApi.body(request), model, false, false);
        case "streamGenerateContent" ->
            gemini.generate(
                GeminiModelApi.body(request),
                model,
                true,
                "sse".equals(FakeGemini.query(request.query(), "alt")));
        case "predict" -> predict(GeminiModelApi.body(request));
        default -> notFound(publisher, model);
      };
    } catch (GoogleError.Rejection rejection) {
      return rejection.error().reply(Map.of());
    }
  }

  private static Reply notFound(String publisher, String model) {
    return new GoogleError(
            404,
            "NOT_FOUND",
            "Publisher Model `publishers/" + publisher + "/models/" + model + "` not found.")
        .reply(Map.of());
  }

  /**
   * Text embeddings
   * (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api):
   * {@code instances[].content} → {@code predictions[].embeddings.values} with {@code statistics}.
   */
  private static Reply predict(ObjectNode request) {
    JsonNode instances = request.get("instances");
    if (instances == null || !instances.isArray() || instances.isEmpty()) {
      throw GoogleError.reject("instances is required");
    }
    int dimensions = request.path("parameters").path("outputDimensionality").asInt(768);
    ObjectNode response = JSON.createObjectNode();
    ArrayNode predictions = response.putArray("predictions");
    for (JsonNode instance : instances) {
      if (!instance.path("content").isTextual()) {
        throw GoogleError.reject("instances[].content must be a string");
      }
      String text = instance.get("content").asText();
      ObjectNode embeddings = predictions.addObject().putObject("embeddings");
      embeddings.set("values", GeminiModelApi.vector(text, dimensions));
      embeddings
          .putObject("statistics")
          .put("truncated", false)
          .put("token_count", WordTokens.count(text));
    }
    response.putObject("metadata").put("billableCharacterCount", 0);
    return Reply.Json.ok(response);
  }

  // ---- the token endpoint ----

  private Reply token(RecordedRequest request) {
    Map<String, String> form = form(request.body());
    String grant = form.getOrDefault("grant_type", "");
    if (!grant.equals("urn:ietf:params:oauth:grant-type:jwt-bearer")) {
      return oauthError("unsupported_grant_type", "Invalid grant_type: " + grant);
    }
    String[] jwt = form.getOrDefault("assertion", "").split("\\.", -1);
    if (jwt.length != 3) {
      return oauthError("invalid_request", "Invalid JWT: not three segments.");
    }
    JsonNode header;
    JsonNode claims;
    try {
      header = JSON.readTree(Base64.getUrlDecoder().decode(jwt[0]));
      claims = JSON.readTree(Base64.getUrlDecoder().decode(jwt[1]));
    } catch (IOException | IllegalArgumentException e) {
      return oauthError("invalid_grant", "Invalid JWT: could not be decoded.");
    }
    if (!"RS256".equals(header.path("alg").asText())) {
      return oauthError("invalid_grant", "Invalid JWT: the algorithm must be RS256.");
    }
    PublicKey key = serviceAccounts.get(claims.path("iss").asText());
    if (key == null) {
      return oauthError("invalid_grant", "Invalid grant: account not found");
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(key);
      verifier.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(Base64.getUrlDecoder().decode(jwt[2]))) {
        return oauthError("invalid_grant", "Invalid JWT Signature.");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return oauthError("invalid_grant", "Invalid JWT Signature.");
    }
    String audience = claims.path("aud").asText();
    if (!audience.equals(GOOGLE_TOKEN_URI) && !audience.equals(tokenUri())) {
      return oauthError("invalid_grant", "Invalid JWT audience: " + audience);
    }
    List<String> scopes = List.of(claims.path("scope").asText("").split(" "));
    if (!scopes.contains(SCOPE)) {
      return oauthError("invalid_scope", "The scope must include " + SCOPE + ".");
    }
    long now = clock.millis() / 1000;
    long issued = claims.path("iat").asLong(-1);
    long expires = claims.path("exp").asLong(-1);
    if (issued < 0 || expires <= now || issued > now + 300 || expires - issued > 3600) {
      return oauthError(
          "invalid_grant",
          "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable"
              + " timeframe. Check your iat and exp values in the JWT claim.");
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String token = "ya29.fake-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    tokens.put(token, clock.millis() + tokenLifetime.toMillis());
    ObjectNode answer = JSON.createObjectNode();
    answer.put("access_token", token);
    answer.put("expires_in", tokenLifetime.toSeconds());
    answer.put("token_type", "Bearer");
    return Reply.Json.ok(answer);
  }

  private static Reply oauthError(String error, String description) {
    ObjectNode body = JSON.createObjectNode();
    body.put("error", error).put("error_description", description);
    return new Reply.Json(400, body);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new java.util.LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        form.put(
            java.net.URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }
}
