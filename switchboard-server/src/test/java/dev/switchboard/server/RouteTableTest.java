package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.observe.ObservabilitySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The route table is the server's whole surface: every route it lists is served (by the handler the
 * table names, not refused by the router), nothing it does not list is, and each route is reached
 * by one spelling of its path only.
 */
class RouteTableTest {
  static final String ADMIN_TOKEN = "route-table-admin-token";
  @TempDir static Path data;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults()
                .withDataDirectory(Files.createTempDirectory(data, "logs")),
            settings -> settings.withAdminToken(ADMIN_TOKEN).withAccess(AccessSettings.inMemory()),
            engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void everyListedRouteIsServedByItsHandlerNotRefusedByTheRouter() {
    List<String> served = new ArrayList<>();
    for (Route route : SwitchboardServer.routes()) {
      for (String method :
          route.methods().contains("*") ? List.of("GET", "POST") : route.methods()) {
        if (route == Route.LOGS_TAIL) {
          continue; // a stream that stays open: asked for below, and closed
        }
        boolean bodiless = method.equals("GET") || method.equals("HEAD");
        HttpResponse<String> response;
        try {
          response = request(method, route.samplePath(), bodiless ? null : "{}");
        } catch (AssertionError unanswered) {
          throw new AssertionError(
              method + " " + route.samplePath() + " (" + route + "): " + unanswered.getMessage(),
              unanswered);
        }
        assertThat(response.statusCode())
            .as("%s %s (%s)", method, route.samplePath(), route)
            .isNotEqualTo(405);
        assertThat(response.body())
            .as("%s %s (%s)", method, route.samplePath(), route)
            .doesNotContain("\"Not found: ");
        served.add(method + " " + route.samplePath() + " " + response.statusCode());
      }
    }
    HttpResponse<InputStream> tail =
        gateway.open(
            HttpRequest.newBuilder(gateway.uri("/v1/logs/tail"))
                .timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + ADMIN_TOKEN)
                .GET());
    assertThat(tail.statusCode()).isEqualTo(200);
    try (InputStream body = tail.body()) {
      assertThat(new String(body.readNBytes(10), StandardCharsets.UTF_8)).startsWith(": switch");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    System.out.println("routes served: " + served.size() + " (method, sample path, status)");
    served.forEach(line -> System.out.println("  " + line));
  }

  @Test
  void everyPathTheServerAnswersIsOneTheTableLists() {
    List<String> candidates =
        new ArrayList<>(
            List.of(
                "/",
                "/index.html",
                "/health",
                "/v1/health",
                "/v1/status",
                "/v1/models",
                "/v1/logs",
                "/v1/logs/export",
                "/v1/analytics",
                "/v1/feedback",
                "/v1/admin",
                "/v1/admin/keys",
                "/v1/admin/keys/x/rotate",
                "/v1/admin/virtual-keys/reencrypt",
                "/v1/admin/usage",
                "/v1/admin/config",
                "/admin",
                "/metrics",
                "/metrics/x",
                "/dashboard",
                "/dashboard/",
                "/dashboard/index.html",
                "/dashboard/dashboard.js",
                "/dashboard/vendor/chart.js/chart.umd.js",
                "/dashboard/nothing.js",
                "/favicon.ico",
                "/v2/chat/completions"));
    for (Route route : SwitchboardServer.routes()) {
      if (route != Route.LOGS_TAIL) { // a live stream, asked for in the test above
        candidates.add(route.samplePath());
      }
    }
    int answered = 0;
    for (String path : candidates) {
      for (String method : List.of("GET", "POST", "PATCH", "DELETE")) {
        HttpResponse<String> response =
            request(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
        boolean routed = Route.match(method, path).match() != null;
        boolean refusedByTheRouter =
            response.statusCode() == 405 || response.body().contains("\"Not found: ");
        if (!refusedByTheRouter) {
          answered++;
          assertThat(routed).as("%s %s answered %d", method, path, response.statusCode()).isTrue();
        }
      }
    }
    System.out.println("requests answered past the router: " + answered + ", each a listed route");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/nothing",
        "/v1",
        "/v1/admin",
        "/v1/admin/nothing",
        "/v1/ADMIN/keys",
        "/V1/chat/completions",
        "/v1/Chat/Completions",
        "/v1/LOGS",
        "/v1/Logs/export",
        "/V1/health",
        "/Metrics",
        "/DASHBOARD/",
        "/v1/Feedback"
      })
  void aPathNoRouteListsIsNotFoundNeverPassedThrough(String path) {
    HttpResponse<String> response = request("GET", path, null);

    assertThat(response.statusCode()).as(path).isEqualTo(404);
  }

  @Test
  void aListedPathWithAMethodItDoesNotTakeIs405() {
    assertThat(request("PUT", "/v1/chat/completions", "{}").statusCode()).isEqualTo(405);
    assertThat(request("DELETE", "/v1/logs", null).statusCode()).isEqualTo(405);
    assertThat(request("POST", "/metrics", "{}").statusCode()).isEqualTo(405);
    assertThat(request("POST", "/v1/logs/export", "{}").statusCode()).isEqualTo(405);
    assertThat(request("GET", "/v1/feedback", null).statusCode()).isEqualTo(405);
  }

  @Test
  void oneTrailingSlashIsTheSameRouteWithTheSameGuard() {
    assertThat(request("GET", "/v1/logs/", null).statusCode()).isEqualTo(200);
    assertThat(plain("GET", "/v1/logs/").statusCode()).isEqualTo(401);
    assertThat(plain("GET", "/metrics/").statusCode()).isEqualTo(401);
    assertThat(plain("GET", "/v1/health/").statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "//v1/logs",
        "/v1//logs",
        "/v1/logs//",
        "/v1/../v1/logs",
        "/v1/./logs",
        "/v1/health/../logs",
        "/v1/%2e%2e/v1/logs",
        "/v1/%2E/logs",
        "/v1%2flogs",
        "/v1/logs%2Fexport",
        "/v1/logs%5cexport",
        "/v1/logs;x=1",
        "/v1/admin/keys;jsessionid=1",
        "/v1/logs%00",
        "/v1/files%3Fpurpose=x",
        "/v1/files%23x",
        "/dashboard/..%2fdev/switchboard/server/DashboardRoutes.class",
        "/dashboard/%2e%2e/%2e%2e/metrics"
      })
  void aPathNotInCanonicalFormIsRefusedWhateverItWouldNormaliseTo(String path) throws IOException {
    int status = rawStatus("GET", path, "Bearer " + ADMIN_TOKEN);

    assertThat(status).as(path).isEqualTo(400);
  }

  private static HttpResponse<String> request(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("authorization", "Bearer " + ADMIN_TOKEN)
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return gateway.send(request);
  }

  private static HttpResponse<String> plain(String method, String path) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody()));
  }

  /** The status of a request sent byte for byte, its path exactly as written. */
  static int rawStatus(String method, String path, String authorization) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", gateway.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                  + authorization
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String statusLine =
          new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(statusLine.substring(9, 12));
    }
  }
}
