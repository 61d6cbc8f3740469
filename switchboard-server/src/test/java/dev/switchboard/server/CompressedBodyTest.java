package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A compressed request body is inflated by the gateway, under the body limit counted on the
 * inflated bytes, and sent upstream as the plain bytes it read (so what any check read is what the
 * provider gets).
 */
class CompressedBodyTest {
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  static final String MODERATION = "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}";

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    gateway =
        GatewayUnderTest.start(
            openai.baseUrl(),
            settings ->
                new ServerSettings(
                    settings.host(), 0, 4096, settings.drainTimeout(), settings.gateway()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void sendsAGzipBodyUpstreamInflatedWithoutItsContentEncoding() throws Exception {
    HttpResponse<String> response =
        send(gzip(MODERATION.getBytes(StandardCharsets.UTF_8)), "gzip", "/v1/moderations");

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest received = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(received.body()).isEqualTo(MODERATION);
    assertThat(received.header("content-encoding")).isNull();
  }

  @Test
  void readsADeflateBodyOnAJsonRoute() {
    String chat =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> response =
        send(deflate(chat.getBytes(StandardCharsets.UTF_8)), "deflate", "/v1/chat/completions");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("You said: hi");
  }

  @Test
  void refusesAGzipBombOverTheLimitWith413() {
    byte[] bomb = gzip(new byte[1_000_000]); // 1 MB of zeros in about 1 KB, the limit is 4 KB
    assertThat(bomb.length).isLessThan(4096);
    int before = openai.requestCount();

    HttpResponse<String> response = send(bomb, "gzip", "/v1/moderations");

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("4096 bytes");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void refusesAnEncodingItCannotInflateWith400() {
    HttpResponse<String> response =
        send(MODERATION.getBytes(StandardCharsets.UTF_8), "br", "/v1/moderations");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("content-encoding");
  }

  @Test
  void refusesABodyThatIsNotTheGzipItClaimsWith400() {
    HttpResponse<String> response =
        send(MODERATION.getBytes(StandardCharsets.UTF_8), "gzip", "/v1/moderations");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("not valid gzip");
  }

  static HttpResponse<String> send(byte[] body, String encoding, String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .header("x-portkey-provider", "openai")
            .header("authorization", "Bearer sk-test")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  static byte[] gzip(byte[] plain) {
    return compressed(plain, GZIPOutputStream::new);
  }

  static byte[] deflate(byte[] plain) {
    return compressed(plain, DeflaterOutputStream::new);
  }

  interface Compressor {
    OutputStream around(OutputStream out) throws IOException;
  }

  static byte[] compressed(byte[] plain, Compressor compressor) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream zip = compressor.around(out)) {
      zip.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
