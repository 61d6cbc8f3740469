package dev.switchboard.engine.providers.vertex;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP transport Google's auth library mints Vertex AI tokens through: the gateway's {@link
 * UpstreamClient} (its outbound guard on the URL and on every resolved address, no cookies), pinned
 * to the one {@code token_uri} that was checked. The library follows a redirect by asking its
 * transport for the {@code Location}; this transport refuses any URI but the pinned one, so a token
 * endpoint that answers 302 cannot have the signed assertion delivered elsewhere.
 */
final class TokenEndpointTransport extends HttpTransport {
  /** The most of a token endpoint's answer read: a token is a few kilobytes. */
  private static final int MAX_RESPONSE_BYTES = 256 * 1024;

  private final UpstreamClient client;
  private final URI tokenUri;
  private final Duration timeout;

  TokenEndpointTransport(UpstreamClient client, URI tokenUri, Duration timeout) {
    this.client = client;
    this.tokenUri = tokenUri;
    this.timeout = timeout;
  }

  @Override
  protected LowLevelHttpRequest buildRequest(String method, String url) throws IOException {
    if (!URI.create(url).equals(tokenUri)) {
      throw new IOException("the token endpoint redirected; redirects are not followed");
    }
    return new TokenRequest(method);
  }

  private final class TokenRequest extends LowLevelHttpRequest {
    private final String method;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    TokenRequest(String method) {
      this.method = method;
    }

    @Override
    public void addHeader(String name, String value) {
      headers.add(Map.entry(name, value));
    }

    @Override
    public LowLevelHttpResponse execute() throws IOException {
      byte[] body = null;
      if (getStreamingContent() != null) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        getStreamingContent().writeTo(out);
        body = out.toByteArray();
        if (getContentType() != null) {
          headers.add(Map.entry("content-type", getContentType()));
        }
      }
      UpstreamResponse response;
      byte[] answer;
      try {
        response =
            client.send(
                new UpstreamRequest(
                    VertexProvider.NAME, method, tokenUri, headers, body, timeout, false));
        answer = response.readBody(MAX_RESPONSE_BYTES);
      } catch (GatewayException refusedOrFailed) {
        // Refused by the guard, unreachable, or timed out: the library reports an I/O failure.
        throw new IOException(refusedOrFailed.getMessage());
      }
      return new TokenResponse(response, answer);
    }
  }

  private static final class TokenResponse extends LowLevelHttpResponse {
    private final UpstreamResponse response;
    private final byte[] body;

    TokenResponse(UpstreamResponse response, byte[] body) {
      this.response = response;
      this.body = body;
    }

    @Override
    public InputStream getContent() {
      return new java.io.ByteArrayInputStream(body);
    }

    /** The upstream client already decoded any compression it asked for. */
    @Override
    public String getContentEncoding() {
      return null;
    }

    @Override
    public long getContentLength() {
      return body.length;
    }

    @Override
    public String getContentType() {
      return response.header("content-type");
    }

    @Override
    public String getStatusLine() {
      return "HTTP/1.1 " + response.status();
    }

    @Override
    public int getStatusCode() {
      return response.status();
    }

    @Override
    public String getReasonPhrase() {
      return null;
    }

    @Override
    public int getHeaderCount() {
      return response.headers().size();
    }

    @Override
    public String getHeaderName(int index) {
      return response.headers().get(index).getKey();
    }

    @Override
    public String getHeaderValue(int index) {
      return response.headers().get(index).getValue();
    }
  }
}
