package dev.switchboard.spring.boot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code switchboard.*} properties: where the gateway is (a server's URL, or in-process), the
 * gateway options every request carries, and the chat model's defaults. See docs/clients.md.
 */
@ConfigurationProperties("switchboard")
public class SwitchboardProperties {
  /** How the model reaches the gateway. */
  public enum Mode {
    /** Over HTTP to a running gateway server at {@code base-url}. */
    REMOTE,
    /** Through the engine in this JVM: a {@code Gateway} bean of the app's, or one built here. */
    IN_PROCESS
  }

  private Mode mode = Mode.REMOTE;
  private URI baseUrl = URI.create("http://127.0.0.1:8787");
  private Duration timeout;
  private String apiKey;
  private String gatewayKey;
  private String provider;
  private String config;
  private Map<String, String> metadata = new LinkedHashMap<>();
  private Duration requestTimeout;
  private final Chat chat = new Chat();
  private final InProcess inProcess = new InProcess();

  /** The chat model's default options; a prompt's own options win. */
  public static class Chat {
    private String model;
    private Double temperature;
    private Integer maxTokens;

    public String getModel() {
      return model;
    }

    public void setModel(String model) {
      this.model = model;
    }

    public Double getTemperature() {
      return temperature;
    }

    public void setTemperature(Double temperature) {
      this.temperature = temperature;
    }

    public Integer getMaxTokens() {
      return maxTokens;
    }

    public void setMaxTokens(Integer maxTokens) {
      this.maxTokens = maxTokens;
    }
  }

  /**
   * The engine built in-process when the app defines no {@code Gateway} bean of its own: from a
   * gateway settings file ({@link #getSettingsFile}), or from the properties below.
   */
  public static class InProcess {
    private Path settingsFile;
    private Map<String, URI> providerBaseUrls = new LinkedHashMap<>();
    private Map<String, String> configs = new LinkedHashMap<>();
    private String defaultConfig;

    /**
     * A gateway settings file (YAML or JSON, as the server reads it) to build the engine from, with
     * {@code EmbeddedGateway} (needs {@code switchboard-server} on the classpath). Not together
     * with the other {@code switchboard.in-process.*} properties.
     */
    public Path getSettingsFile() {
      return settingsFile;
    }

    public void setSettingsFile(Path settingsFile) {
      this.settingsFile = settingsFile;
    }

    /** Base URLs to call instead of the providers' own, by provider name. */
    public Map<String, URI> getProviderBaseUrls() {
      return providerBaseUrls;
    }

    public void setProviderBaseUrls(Map<String, URI> providerBaseUrls) {
      this.providerBaseUrls = providerBaseUrls;
    }

    /** Saved routing configs by id, each as JSON; requests name them by id. */
    public Map<String, String> getConfigs() {
      return configs;
    }

    public void setConfigs(Map<String, String> configs) {
      this.configs = configs;
    }

    /** The config (JSON or a saved id) for requests that name none. */
    public String getDefaultConfig() {
      return defaultConfig;
    }

    public void setDefaultConfig(String defaultConfig) {
      this.defaultConfig = defaultConfig;
    }
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public URI getBaseUrl() {
    return baseUrl;
  }

  public void setBaseUrl(URI baseUrl) {
    this.baseUrl = baseUrl;
  }

  public Duration getTimeout() {
    return timeout;
  }

  public void setTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  public String getApiKey() {
    return apiKey;
  }

  public void setApiKey(String apiKey) {
    this.apiKey = apiKey;
  }

  public String getGatewayKey() {
    return gatewayKey;
  }

  public void setGatewayKey(String gatewayKey) {
    this.gatewayKey = gatewayKey;
  }

  public String getProvider() {
    return provider;
  }

  public void setProvider(String provider) {
    this.provider = provider;
  }

  public String getConfig() {
    return config;
  }

  public void setConfig(String config) {
    this.config = config;
  }

  public Map<String, String> getMetadata() {
    return metadata;
  }

  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }

  public Duration getRequestTimeout() {
    return requestTimeout;
  }

  public void setRequestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout;
  }

  public Chat getChat() {
    return chat;
  }

  public InProcess getInProcess() {
    return inProcess;
  }

  /** Keys stay out of logs. */
  @Override
  public String toString() {
    return "SwitchboardProperties[mode="
        + mode
        + ", baseUrl="
        + baseUrl
        + ", provider="
        + provider
        + ", apiKey="
        + (apiKey == null ? "none" : "redacted")
        + "]";
  }
}
