package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.switchboard.deploy.Manifests.Container;
import dev.switchboard.deploy.Manifests.Deployment;
import dev.switchboard.deploy.Manifests.EnvVar;
import dev.switchboard.deploy.Manifests.HorizontalPodAutoscaler;
import dev.switchboard.deploy.Manifests.Ingress;
import dev.switchboard.deploy.Manifests.KeySelector;
import dev.switchboard.deploy.Manifests.Manifest;
import dev.switchboard.deploy.Manifests.PodDisruptionBudget;
import dev.switchboard.deploy.Manifests.PodSpec;
import dev.switchboard.deploy.Manifests.Probe;
import dev.switchboard.deploy.Manifests.Service;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in deploy/helm/switchboard, linted and rendered by Helm itself (helm-java bundles
 * Helm's library), its objects read strictly ({@link Manifests}) and checked for what a cluster
 * operator relies on.
 */
class HelmChartTest {
  private static final Path CHART = Path.of("..", "deploy", "helm", "switchboard");
  private static final String KUBE_VERSION = "1.31.0";

  @Test
  void passesHelmLintStrictly() {
    LintResult lint = new Helm(CHART).lint().strict().call();

    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
  }

  @Test
  void runsThreeNonRootGatewaysOnAReadOnlyRootFilesystemWithTheirDataInVolumes() {
    List<Manifest> manifests = render(template -> template);
    Deployment deployment = Manifests.only(manifests, Deployment.class);
    PodSpec pod = deployment.spec().template().spec();
    Container gateway = pod.containers().getFirst();

    assertThat(deployment.spec().replicas()).isEqualTo(3);
    assertThat(pod.containers()).hasSize(1);
    assertThat(pod.automountServiceAccountToken()).isFalse();
    assertThat(pod.securityContext().runAsNonRoot()).isTrue();
    assertThat(pod.securityContext().runAsUser()).isEqualTo(10001L);
    assertThat(pod.securityContext().seccompProfile().type()).isEqualTo("RuntimeDefault");
    assertThat(gateway.securityContext().readOnlyRootFilesystem()).isTrue();
    assertThat(gateway.securityContext().allowPrivilegeEscalation()).isFalse();
    assertThat(gateway.securityContext().runAsNonRoot()).isTrue();
    assertThat(gateway.securityContext().capabilities().drop()).containsExactly("ALL");
    assertThat(gateway.volumeMounts())
        .extracting(Manifests.VolumeMount::name, Manifests.VolumeMount::mountPath)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("data", "/data"),
            org.assertj.core.groups.Tuple.tuple("tmp", "/tmp"));
    assertThat(pod.volumes())
        .allSatisfy(volume -> assertThat(volume.emptyDir().sizeLimit()).isNotBlank());
  }

  @Test
  void probesTheHealthRouteOnTheGatewaysPort() {
    Container gateway = gateway(render(template -> template));

    assertThat(gateway.ports())
        .singleElement()
        .satisfies(port -> {
          assertThat(port.name()).isEqualTo("http");
          assertThat(port.containerPort()).isEqualTo(8787);
        });
    assertThat(gateway.env("SWITCHBOARD_SERVER_PORT").value()).isEqualTo("8787");
    assertThat(gateway.env("SWITCHBOARD_SERVER_HOST").value()).isEqualTo("0.0.0.0");
    for (Probe probe :
        List.of(gateway.startupProbe(), gateway.livenessProbe(), gateway.readinessProbe())) {
      assertThat(probe.httpGet().port()).isEqualTo("http");
      assertThat(probe.failureThreshold()).isPositive();
    }
    // Alive while it serves; ready only while the stores it cannot serve without answer.
    assertThat(gateway.startupProbe().httpGet().path()).isEqualTo("/v1/health");
    assertThat(gateway.livenessProbe().httpGet().path()).isEqualTo("/v1/health");
    assertThat(gateway.readinessProbe().httpGet().path()).isEqualTo("/v1/health/ready");
  }

  @Test
  void sizesTheContainerSoTheAutoscalerAndTheJvmHaveFiguresToWorkFrom() {
    Container gateway = gateway(render(template -> template));

    assertThat(gateway.resources().requests()).containsKeys("cpu", "memory");
    assertThat(gateway.resources().limits()).containsKey("memory");
  }

  @Test
  void takesTheMasterKeyAdminTokenAndStoreUrlsFromTheSecretNeverFromValues() {
    Container gateway = gateway(render(template -> template));

    Map<String, KeySelector> fromSecret =
        gateway.env().stream()
            .filter(variable -> variable.valueFrom() != null)
            .collect(
                java.util.stream.Collectors.toMap(
                    EnvVar::name, variable -> variable.valueFrom().secretKeyRef()));
    assertThat(fromSecret)
        .containsOnly(
            Map.entry(
                "SWITCHBOARD_ACCESS_MASTER_KEY", new KeySelector("switchboard", "master-key")),
            Map.entry("SWITCHBOARD_ADMIN_TOKEN", new KeySelector("switchboard", "admin-token")),
            Map.entry("SWITCHBOARD_ACCESS_STORE", new KeySelector("switchboard", "postgres-url")),
            Map.entry("SWITCHBOARD_LOGS_STORE", new KeySelector("switchboard", "postgres-url")),
            Map.entry(
                "SWITCHBOARD_RESPONSES_STORE", new KeySelector("switchboard", "postgres-url")),
            Map.entry("SWITCHBOARD_ACCESS_REDIS_URL", new KeySelector("switchboard", "redis-url")),
            Map.entry("SWITCHBOARD_CACHE_REDIS_URL", new KeySelector("switchboard", "redis-url")));
    assertThat(gateway.env())
        .filteredOn(variable -> variable.valueFrom() == null)
        .allSatisfy(variable -> assertThat(variable.value()).isNotNull());
  }

  @Test
  void passesSettingsAsTheEnvironmentVariablesTheServerReads() {
    Container gateway =
        gateway(
            render(template ->
                template
                    .set("settings.routing\\.max-attempts", "4")
                    .set("settings.cache\\.default-max-age", "1d")));

    assertThat(gateway.env("SWITCHBOARD_ROUTING_MAX_ATTEMPTS").value()).isEqualTo("4");
    assertThat(gateway.env("SWITCHBOARD_CACHE_DEFAULT_MAX_AGE").value()).isEqualTo("1d");
    assertThat(gateway.env("SWITCHBOARD_ACCESS_REQUIRE_KEYS").value()).isEqualTo("true");
    assertThat(gateway.env("SWITCHBOARD_CACHE_BACKEND").value()).isEqualTo("redis");
  }

  @Test
  void rollsOneNewGatewayInBeforeAnOldOneDrainsAndWaitsLongerThanTheDrain() {
    List<Manifest> manifests =
        render(template -> template.set("drainTimeoutSeconds", 45).set("drainDelaySeconds", 7));
    Deployment deployment = Manifests.only(manifests, Deployment.class);
    Container gateway = gateway(manifests);

    assertThat(deployment.spec().strategy().type()).isEqualTo("RollingUpdate");
    assertThat(deployment.spec().strategy().rollingUpdate().maxUnavailable()).isEqualTo("0");
    assertThat(deployment.spec().strategy().rollingUpdate().maxSurge()).isEqualTo("1");
    assertThat(gateway.env("SWITCHBOARD_SERVER_DRAIN_DELAY").value()).isEqualTo("7s");
    assertThat(gateway.env("SWITCHBOARD_SERVER_DRAIN_TIMEOUT").value()).isEqualTo("45s");
    // The gateway's own drain delay keeps it serving while it leaves the endpoints: no preStop.
    assertThat(gateway.lifecycle()).isNull();
    assertThat(deployment.spec().template().spec().terminationGracePeriodSeconds())
        .isGreaterThan(7 + 45);
  }

  @Test
  void aPreStopPauseWhenAskedForIsAddedToTheGracePeriod() {
    List<Manifest> manifests = render(template -> template.set("preStopSleepSeconds", 3));
    Deployment deployment = Manifests.only(manifests, Deployment.class);

    assertThat(gateway(manifests).lifecycle().preStop().sleep().seconds()).isEqualTo(3);
    assertThat(deployment.spec().template().spec().terminationGracePeriodSeconds())
        .isGreaterThan(3 + 5 + 30);
  }

  @Test
  void keepsAllButOneGatewayThroughAVoluntaryDisruption() {
    PodDisruptionBudget budget =
        Manifests.only(render(template -> template), PodDisruptionBudget.class);
    Deployment deployment = Manifests.only(render(template -> template), Deployment.class);

    assertThat(budget.apiVersion()).isEqualTo("policy/v1");
    assertThat(budget.spec().maxUnavailable()).isEqualTo("1");
    assertThat(budget.spec().selector()).isEqualTo(deployment.spec().selector());
  }

  @Test
  void scalesOnCpuWhenAutoscalingIsOnAndThenLeavesTheReplicasToTheAutoscaler() {
    List<Manifest> manifests = render(template -> template.set("autoscaling.enabled", true));
    HorizontalPodAutoscaler autoscaler = Manifests.only(manifests, HorizontalPodAutoscaler.class);
    Deployment deployment = Manifests.only(manifests, Deployment.class);

    assertThat(deployment.spec().replicas()).isNull();
    assertThat(autoscaler.apiVersion()).isEqualTo("autoscaling/v2");
    assertThat(autoscaler.spec().scaleTargetRef().kind()).isEqualTo("Deployment");
    assertThat(autoscaler.spec().scaleTargetRef().name()).isEqualTo(deployment.metadata().name());
    assertThat(autoscaler.spec().minReplicas()).isEqualTo(3);
    assertThat(autoscaler.spec().maxReplicas()).isEqualTo(10);
    assertThat(autoscaler.spec().metrics())
        .singleElement()
        .satisfies(metric -> {
          assertThat(metric.resource().name()).isEqualTo("cpu");
          assertThat(metric.resource().target().type()).isEqualTo("Utilization");
          assertThat(metric.resource().target().averageUtilization()).isEqualTo(70);
        });
  }

  @Test
  void rendersNoAutoscalerOrIngressUnlessAskedAndAServiceAlways() {
    List<Manifest> manifests = render(template -> template);

    assertThat(manifests)
        .extracting(manifest -> manifest.getClass().getSimpleName())
        .containsExactlyInAnyOrder("Service", "Deployment", "PodDisruptionBudget");
    Service service = Manifests.only(manifests, Service.class);
    assertThat(service.spec().ports().getFirst().targetPort()).isEqualTo("http");
  }

  @Test
  void routesAnIngressHostToTheService() {
    List<Manifest> manifests =
        render(template ->
            template
                .set("ingress.enabled", true)
                .set("ingress.className", "nginx")
                .set("ingress.hosts[0].host", "gateway.example.com")
                .set("ingress.hosts[0].paths[0].path", "/")
                .set("ingress.hosts[0].paths[0].pathType", "Prefix"));
    Ingress ingress = Manifests.only(manifests, Ingress.class);
    Service service = Manifests.only(manifests, Service.class);

    assertThat(ingress.spec().ingressClassName()).isEqualTo("nginx");
    assertThat(ingress.spec().rules())
        .singleElement()
        .satisfies(rule -> {
          assertThat(rule.host()).isEqualTo("gateway.example.com");
          assertThat(rule.http().paths().getFirst().backend().service().name())
              .isEqualTo(service.metadata().name());
        });
  }

  @Test
  void refusesToListenOnEveryAddressWithoutRequiredKeys() {
    assertThatThrownBy(
            () -> render(template -> template.set("settings.access\\.require-keys", "false")))
        .hasMessageContaining("settings.access.require-keys");
  }

  @Test
  void refusesASettingTheChartSetsItself() {
    assertThatThrownBy(
            () -> render(template -> template.set("settings.access\\.master-key", "abc")))
        .hasMessageContaining("settings.access.master-key is set by the chart");
  }

  private static Container gateway(List<Manifest> manifests) {
    return Manifests.only(manifests, Deployment.class)
        .spec()
        .template()
        .spec()
        .containers()
        .getFirst();
  }

  private static List<Manifest> render(UnaryOperator<TemplateCommand> values) {
    TemplateCommand template =
        new Helm(CHART).template().withName("gw").withKubeVersion(KUBE_VERSION);
    return Manifests.read(values.apply(template).call());
  }
}
