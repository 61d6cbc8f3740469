package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.server.Route;
import dev.switchboard.server.SwitchboardServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * With {@code admin.port} set, each route of {@link SwitchboardServer#routes()} answers on its own
 * port only: the operator's routes and the admin API on the admin port (loopback), the model routes
 * on the main port; on the other port each is a 404 for every caller, the admin token and a key
 * holding every permission included.
 */
class AdminPortSeparationTest {

  @Test
  void eachRouteAnswersOnlyOnItsOwnPortWhateverTheCallerHolds() {
    String adminToken = "sbadm-port-" + UUID.randomUUID();
    try (AccessGateway gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), adminToken)
                .withAdminPort(0))) {
      int adminPort = gateway.server.adminPort();
      assertThat(adminPort).isPositive().isNotEqualTo(gateway.port());
      gateway.createWorkspace("ws-port", null);
      String all =
          "{\"permissions\":[\"completions\",\"embeddings\",\"models\",\"passthrough\","
              + "\"feedback\",\"keys.manage\",\"virtual_keys.manage\",\"usage.read\"]}";
      AccessGateway.CreatedKey key = gateway.createKey("ws-port", "all", all, null);
      Map<String, List<String[]>> callers = new TreeMap<>();
      callers.put(
          "admin token", List.<String[]>of(new String[] {"authorization", "Bearer " + adminToken}));
      callers.put(
          "key with every permission",
          List.<String[]>of(new String[] {"x-portkey-api-key", key.secret()}));

      int cells = 0;
      int answeredOnTheWrongPort = 0;
      List<String> findings = new ArrayList<>();
      for (Route route : SwitchboardServer.routes()) {
        if (route.surface() == Route.Surface.PUBLIC) {
          continue;
        }
        boolean adminSide =
            route.surface() == Route.Surface.OPERATOR || route.surface() == Route.Surface.ADMIN_API;
        int wrongPort = adminSide ? gateway.port() : adminPort;
        for (String method : AuthorizationMatrixTest.methods(route)) {
          for (Map.Entry<String, List<String[]>> caller : callers.entrySet()) {
            List<String[]> headers = new ArrayList<>(caller.getValue());
            headers.add(new String[] {"x-portkey-provider", "mock"});
            String path = route.samplePath();
            RawHttp.Answer answer =
                RawHttp.send(
                    wrongPort,
                    method,
                    path,
                    headers,
                    method.equals("GET")
                        ? null
                        : AuthorizationMatrixTest.gatewayBody(path, method));
            cells++;
            if (answer.status() != 404) {
              answeredOnTheWrongPort++;
              findings.add(
                  method
                      + " "
                      + path
                      + " as "
                      + caller.getKey()
                      + " on the "
                      + (adminSide ? "main" : "admin")
                      + " port: "
                      + answer.status());
            }
          }
        }
      }
      new ReportTable("Admin port separation", "figure", "value")
          .row("cells (route x method x caller, on the port it does not belong to)", cells)
          .row("answered other than 404", answeredOnTheWrongPort)
          .print();
      findings.forEach(f -> System.out.println("  " + f));
      assertThat(findings).isEmpty();
    }
  }
}
