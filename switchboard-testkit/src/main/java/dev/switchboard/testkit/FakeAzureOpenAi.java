package dev.switchboard.testkit;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Azure OpenAI's data plane
 * (https://learn.microsoft.com/en-us/azure/ai-services/openai/reference), for tests of code that
 * calls Azure OpenAI: it binds 127.0.0.1, records every request, and serves {@code POST
 * /openai/deployments/{deployment}/chat/completions}, {@code …/completions} and {@code
 * …/embeddings}, answering as {@link FakeOpenAi} does (the same deterministic text, tool calls and
 * streams) with Azure's additions: {@code prompt_filter_results} and each choice's {@code
 * content_filter_results}, and in a stream a first event with no choices carrying the prompt's
 * filter results.
 *
 * <p>Every request needs the {@code api-version} query (else Azure's 404 {@code Resource not
 * found}) and a credential: {@code api-key} or {@code Authorization: Bearer <Entra ID token>} (else
 * Azure's 401). Errors are Azure's: {@code {"error":{"code","message"}}}, and for a prompt its
 * content filter blocks ({@link #filterPromptsContaining}, or {@code Fault.status(400)}) the 400
 * {@code content_filter} with its {@code innererror}.
 *
 * <pre>{@code
 * try (FakeAzureOpenAi azure = FakeAzureOpenAi.start()) {
 *   azure.requireApiKey("azure-key");
 *   // point the client under test at azure.baseUrl()
 * }
 * }</pre>
 */
public final class FakeAzureOpenAi implements AutoCloseable {
  private final AzureApi api;
  private final FakeServer<Fault> server;

  private FakeAzureOpenAi(Builder builder) {
    this.api = new AzureApi(builder.clock);
    this.server =
        new FakeServer<>("AzureOpenAI", builder.port, builder.recordRequests, this::answer);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port, recording requests. */
  public static FakeAzureOpenAi start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link FakeAzureOpenAi}; defaults: an ephemeral port, recording. */
  public static final class Builder {
    private int port;
    private boolean recordRequests = true;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The port to bind on 127.0.0.1; 0, the default, lets the system pick a free one. */
    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    /** Whether to keep every request for {@link #requests()} (the default). */
    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /** The clock that answers' {@code created} times come from. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * Starts the fake.
     *
     * @throws IllegalStateException when it cannot bind its port
     */
    public FakeAzureOpenAi start() {
      FakeAzureOpenAi fake = new FakeAzureOpenAi(this);
      fake.server.start();
      return fake;
    }
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return server.origin();
  }

  /**
   * {@code http://127.0.0.1:<port>/openai}: what stands for {@code
   * https://{resource}.openai.azure.com/openai}.
   */
  public String baseUrl() {
    return origin() + "/openai";
  }

  /**
   * From now on, a request whose {@code api-key} is not {@code key} gets Azure's 401; {@code null},
   * the default, accepts any key (a key or a token is always required).
   */
  public void requireApiKey(String key) {
    api.requireApiKey(key);
  }

  /**
   * From now on, a request with {@code Authorization: Bearer} must carry {@code token}, else 401
   * {@code PermissionDenied}; {@code null}, the default, accepts any token.
   */
  public void requireBearerToken(String token) {
    api.requireBearerToken(token);
  }

  /**
   * Declares a deployment and the model it serves (the answers' {@code model}). Once one is
   * declared, other deployments get Azure's 404 {@code DeploymentNotFound}; before, every
   * deployment exists and serves a model of its own name.
   */
  public void deploy(String deployment, String model) {
    api.deploy(Objects.requireNonNull(deployment), Objects.requireNonNull(model));
  }

  /**
   * From now on, a chat request whose messages contain {@code word} gets the content filter's 400
   * {@code content_filter}; {@code null} filters nothing again.
   */
  public void filterPromptsContaining(String word) {
    api.filterPromptsContaining(word);
  }

  /**
   * The next request not yet faulted gets {@code fault}; one per request, in order. {@code
   * Fault.status(400)} is the content filter's 400, 429 Azure's rate limit with {@code
   * retry-after}.
   */
  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  /** Every request received so far, oldest first. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  public int requestCount() {
    return server.requestCount();
  }

  @Override
  public void close() {
    server.close();
  }

  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    Fault fault = server.nextFault();
    new AzureExchange(request, response, callback, server.streams())
        .play(fault, error -> api.answer(recorded, error));
  }
}
