package dev.switchboard.spring.boot;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.springai.SwitchboardChatOptions;
import dev.switchboard.springai.SwitchboardSpringChatModel;
import dev.switchboard.transport.GatewayTransport;
import dev.switchboard.wire.WireJson;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Configures a {@link SwitchboardSpringChatModel} (Spring AI's {@code ChatModel}) from the {@code
 * switchboard.*} properties: remote ({@code switchboard.base-url}) or in-process ({@code
 * switchboard.mode: in-process}, with the app's {@link Gateway} bean or one built from {@code
 * switchboard.in-process.*}). Each bean backs off when the app defines its own.
 */
@AutoConfiguration
@EnableConfigurationProperties(SwitchboardProperties.class)
public class SwitchboardAutoConfiguration {

  /** The engine in-process, when the app asked for it and brought none of its own. */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(name = "switchboard.mode", havingValue = "in-process")
  public Gateway switchboardGateway(SwitchboardProperties properties) {
    SwitchboardProperties.InProcess inProcess = properties.getInProcess();
    if (inProcess.getSettingsFile() != null) {
      return SettingsFileGateway.build(inProcess);
    }
    GatewaySettings.Builder settings = GatewaySettings.builder();
    inProcess.getProviderBaseUrls().forEach(settings::providerBaseUrl);
    inProcess.getConfigs().forEach((id, json) -> settings.config(id, WireJson.tree(json)));
    if (inProcess.getDefaultConfig() != null) {
      settings.defaultConfig(inProcess.getDefaultConfig());
    }
    return Gateway.builder().settings(settings.build()).build();
  }

  /** How the model reaches the gateway. */
  @Bean
  @ConditionalOnMissingBean
  public GatewayTransport switchboardTransport(
      SwitchboardProperties properties, ObjectProvider<Gateway> gateway) {
    if (properties.getMode() == SwitchboardProperties.Mode.IN_PROCESS) {
      return GatewayTransport.inProcess(gateway.getObject());
    }
    var remote = GatewayTransport.remote(properties.getBaseUrl());
    if (properties.getTimeout() != null) {
      remote.timeout(properties.getTimeout());
    }
    return remote.build();
  }

  /** Spring AI's chat model on the gateway. */
  @Bean
  @ConditionalOnMissingBean
  public SwitchboardSpringChatModel switchboardChatModel(
      SwitchboardProperties properties,
      GatewayTransport transport,
      ObjectProvider<ToolCallingManager> toolCallingManager) {
    SwitchboardSpringChatModel.Builder model =
        SwitchboardSpringChatModel.builder()
            .transport(transport)
            .apiKey(properties.getApiKey())
            .gatewayKey(properties.getGatewayKey())
            .provider(properties.getProvider())
            .config(properties.getConfig())
            .metadata(properties.getMetadata())
            .requestTimeout(properties.getRequestTimeout())
            .defaultOptions(
                SwitchboardChatOptions.builder()
                    .model(properties.getChat().getModel())
                    .temperature(properties.getChat().getTemperature())
                    .maxTokens(properties.getChat().getMaxTokens())
                    .build());
    toolCallingManager.ifAvailable(model::toolCallingManager);
    return model.build();
  }
}
