package dev.switchboard.deploy;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes objects the chart renders, as records of exactly the fields it may write: a field
 * the chart writes and these do not name fails the read, so a typo or a misplaced key in a template
 * is a failed test rather than a field Kubernetes ignores. Names and shapes are the Kubernetes
 * API's (apps/v1, v1, policy/v1, autoscaling/v2, networking.k8s.io/v1).
 */
final class Manifests {
  private static final ObjectReader READER =
      YAMLMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build()
          .readerFor(Manifest.class);

  private Manifests() {}

  /** Every object of {@code helm template}'s output, in order. */
  static List<Manifest> read(String rendered) {
    List<Manifest> manifests = new ArrayList<>();
    try (MappingIterator<Manifest> documents = READER.readValues(rendered)) {
      while (documents.hasNextValue()) {
        Manifest manifest = documents.nextValue();
        if (manifest != null) {
          manifests.add(manifest);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return manifests;
  }

  /** The one object of {@code type}, failing when there is none or several. */
  static <T extends Manifest> T only(List<Manifest> manifests, Class<T> type) {
    List<T> found = manifests.stream().filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one " + type.getSimpleName() + ", rendered " + found.size() + ": " + manifests);
    }
    return found.getFirst();
  }

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Deployment.class, name = "Deployment"),
    @JsonSubTypes.Type(value = Service.class, name = "Service"),
    @JsonSubTypes.Type(value = PodDisruptionBudget.class, name = "PodDisruptionBudget"),
    @JsonSubTypes.Type(value = HorizontalPodAutoscaler.class, name = "HorizontalPodAutoscaler"),
    @JsonSubTypes.Type(value = Ingress.class, name = "Ingress")
  })
  sealed interface Manifest {
    String apiVersion();

    Metadata metadata();
  }

  record Metadata(String name, Map<String, String> labels, Map<String, String> annotations) {}

  record Selector(Map<String, String> matchLabels) {}

  record Deployment(String apiVersion, Metadata metadata, DeploymentSpec spec)
      implements Manifest {}

  record DeploymentSpec(
      Integer replicas,
      int revisionHistoryLimit,
      Selector selector,
      Strategy strategy,
      PodTemplate template) {}

  record Strategy(String type, RollingUpdate rollingUpdate) {}

  record RollingUpdate(String maxSurge, String maxUnavailable) {}

  record PodTemplate(Metadata metadata, PodSpec spec) {}

  record PodSpec(
      boolean automountServiceAccountToken,
      List<LocalReference> imagePullSecrets,
      PodSecurityContext securityContext,
      long terminationGracePeriodSeconds,
      List<Container> containers,
      List<Volume> volumes,
      Map<String, String> nodeSelector,
      Map<String, Object> affinity,
      List<Map<String, Object>> tolerations,
      List<TopologySpread> topologySpreadConstraints) {}

  record LocalReference(String name) {}

  record PodSecurityContext(
      Boolean runAsNonRoot,
      Long runAsUser,
      Long runAsGroup,
      Long fsGroup,
      SeccompProfile seccompProfile) {}

  record SeccompProfile(String type) {}

  record Container(
      String name,
      String image,
      String imagePullPolicy,
      SecurityContext securityContext,
      List<ContainerPort> ports,
      List<EnvVar> env,
      Probe startupProbe,
      Probe livenessProbe,
      Probe readinessProbe,
      Lifecycle lifecycle,
      Resources resources,
      List<VolumeMount> volumeMounts) {
    /** The variable named {@code name}, failing when there is none or several. */
    EnvVar env(String name) {
      List<EnvVar> found = env.stream().filter(variable -> variable.name().equals(name)).toList();
      if (found.size() != 1) {
        throw new AssertionError("expected one " + name + ", found " + found.size() + ": " + env);
      }
      return found.getFirst();
    }
  }

  record SecurityContext(
      Boolean allowPrivilegeEscalation,
      Boolean readOnlyRootFilesystem,
      Boolean runAsNonRoot,
      Long runAsUser,
      Capabilities capabilities) {}

  record Capabilities(List<String> add, List<String> drop) {}

  record ContainerPort(String name, int containerPort, String protocol) {}

  record EnvVar(String name, String value, EnvVarSource valueFrom) {}

  record EnvVarSource(KeySelector secretKeyRef) {}

  record KeySelector(String name, String key) {}

  record Probe(HttpGet httpGet, int periodSeconds, int timeoutSeconds, int failureThreshold) {}

  record HttpGet(String path, String port) {}

  record Lifecycle(LifecycleHandler preStop) {}

  record LifecycleHandler(SleepAction sleep) {}

  record SleepAction(long seconds) {}

  record Resources(Map<String, String> requests, Map<String, String> limits) {}

  record VolumeMount(String name, String mountPath, Boolean readOnly) {}

  record Volume(String name, EmptyDir emptyDir, ClaimReference persistentVolumeClaim) {}

  record EmptyDir(String medium, String sizeLimit) {}

  record ClaimReference(String claimName) {}

  record TopologySpread(
      int maxSkew, String topologyKey, String whenUnsatisfiable, Selector labelSelector) {}

  record Service(String apiVersion, Metadata metadata, ServiceSpec spec) implements Manifest {}

  record ServiceSpec(String type, Map<String, String> selector, List<ServicePort> ports) {}

  record ServicePort(String name, int port, String targetPort, String protocol) {}

  record PodDisruptionBudget(String apiVersion, Metadata metadata, DisruptionSpec spec)
      implements Manifest {}

  record DisruptionSpec(String maxUnavailable, String minAvailable, Selector selector) {}

  record HorizontalPodAutoscaler(String apiVersion, Metadata metadata, AutoscalerSpec spec)
      implements Manifest {}

  record AutoscalerSpec(
      ScaleTarget scaleTargetRef, int minReplicas, int maxReplicas, List<Metric> metrics) {}

  record ScaleTarget(String apiVersion, String kind, String name) {}

  record Metric(String type, ResourceMetric resource) {}

  record ResourceMetric(String name, MetricTarget target) {}

  record MetricTarget(String type, int averageUtilization) {}

  record Ingress(String apiVersion, Metadata metadata, IngressSpec spec) implements Manifest {}

  record IngressSpec(String ingressClassName, List<IngressTls> tls, List<IngressRule> rules) {}

  record IngressTls(String secretName, List<String> hosts) {}

  record IngressRule(String host, HttpIngressRule http) {}

  record HttpIngressRule(List<IngressPath> paths) {}

  record IngressPath(String path, String pathType, IngressBackend backend) {}

  record IngressBackend(BackendService service) {}

  record BackendService(String name, BackendPort port) {}

  record BackendPort(String name, Integer number) {}
}
