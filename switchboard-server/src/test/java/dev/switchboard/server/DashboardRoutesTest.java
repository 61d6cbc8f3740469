package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dashboard's files over HTTP: served from the jar, with a policy that keeps them local. */
class DashboardRoutesTest {
  /** A file of the gateway's classpath outside the dashboard's folder. */
  static final String SERVICE_FILE = "META-INF/services/ch.qos.logback.classic.spi.Configurator";

  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    gateway = GatewayUnderTest.start(null);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void servesThePageWithAPolicyThatAllowsOnlyTheGatewayItself() {
    HttpResponse<String> page = gateway.get("/dashboard/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body()).contains("<title>Switchboard · Dashboard</title>");
    assertThat(page.headers().firstValue("content-security-policy"))
        .hasValueSatisfying(policy ->
            assertThat(policy)
                .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:"));
    assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
  }

  @Test
  void redirectsTheBarePathToThePage() {
    HttpResponse<String> bare = gateway.get("/dashboard");

    assertThat(bare.statusCode()).isIn(301, 302, 307, 308);
    assertThat(bare.headers().firstValue("location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/dashboard/"));
  }

  @Test
  void servesItsModulesAndTheChartLibraryFromTheJar() {
    HttpResponse<String> module = gateway.get("/dashboard/dashboard.js");
    HttpResponse<String> chartJs = gateway.get("/dashboard/vendor/chart.js/chart.umd.js");

    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).contains("javascript"));
    assertThat(chartJs.statusCode()).isEqualTo(200);
    assertThat(chartJs.body()).contains("Chart.js v4");
  }

  @Test
  void servesNoOtherFileOfTheClasspath() {
    for (String path :
        List.of(
            "/dashboard/" + SERVICE_FILE,
            "/dashboard/%2e%2e/" + SERVICE_FILE,
            "/dashboard/..%2f" + SERVICE_FILE.replace("/", "%2f"),
            "/dashboard/vendor/chart.js/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/" + SERVICE_FILE,
            "/dashboard/vendor/chart.js/",
            "/dashboard/missing.js")) {
      HttpResponse<String> answer = gateway.get(path);

      assertThat(answer.statusCode()).as(path).isIn(400, 403, 404);
      assertThat(answer.body()).as(path).doesNotContain("ConsoleLogging");
    }
  }

  @Test
  void answersAnUnchangedFileWith304() {
    HttpResponse<String> first = gateway.get("/dashboard/dashboard.css");
    String etag = first.headers().firstValue("etag").orElseThrow();

    HttpResponse<String> again = gateway.get("/dashboard/dashboard.css", "if-none-match", etag);

    assertThat(again.statusCode()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
  }

  @Test
  void withAnAdminTokenAsksTheBrowserForItAndServesThePageOnlyWithIt() {
    gateway.close();
    gateway = GatewayUnderTest.start(null, settings -> settings.withAdminToken("admin-secret-1"));
    String basic =
        "Basic "
            + Base64.getEncoder()
                .encodeToString("anyone:admin-secret-1".getBytes(StandardCharsets.UTF_8));

    for (String path : new String[] {"/dashboard/", "/dashboard/dashboard.js", "/dashboard"}) {
      HttpResponse<String> refused = gateway.get(path);
      assertThat(refused.statusCode()).as(path).isEqualTo(401);
      assertThat(refused.headers().firstValue("www-authenticate"))
          .hasValue("Basic realm=\"switchboard\"");
      assertThat(GatewayUnderTest.json(refused).path("error").path("message").asText())
          .doesNotContain("admin-secret-1");
    }
    String wrong =
        "Basic "
            + Base64.getEncoder().encodeToString("anyone:guess".getBytes(StandardCharsets.UTF_8));
    assertThat(gateway.get("/dashboard/", "authorization", wrong).statusCode()).isEqualTo(401);
    assertThat(gateway.get("/dashboard/", "authorization", basic).statusCode()).isEqualTo(200);
    assertThat(
            gateway
                .get(
                    "/dashboard/vendor/chart.js/chart.umd.js",
                    "authorization",
                    "Bearer admin-secret-1")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void servesNothingOutsideItsFiles() {
    for (String path :
        new String[] {
          "/dashboard/missing.js",
          "/dashboard/vendor/",
          "/dashboard/vendor/chart.js/",
          "/dashboard/%2e%2e/%2e%2e/META-INF/MANIFEST.MF",
          "/dashboard/vendor/chart.js/%2e%2e/%2e%2e/%2e%2e/%2e%2e/META-INF/maven/org.webjars.npm/chart.js/pom.properties",
          "/dashboard/..%2fdev/switchboard/server/DashboardRoutes.class"
        }) {
      HttpResponse<String> response = gateway.get(path);
      assertThat(response.statusCode()).as(path).isIn(400, 403, 404);
      assertThat(response.body())
          .as(path)
          .doesNotContain("Manifest-Version", "version=", "\u00ca\u00fe");
    }
  }
}
