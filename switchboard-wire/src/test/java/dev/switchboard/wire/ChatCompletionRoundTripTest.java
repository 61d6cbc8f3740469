package dev.switchboard.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A provider's chat completion read into the wire model is written back as it came. */
class ChatCompletionRoundTripTest {

  @Test
  void theAssistantMessageKeepsOneRole() {
    String provider =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}]}";

    String written =
        new String(
            WireJson.write(
                WireJson.read(provider.getBytes(StandardCharsets.UTF_8), ChatCompletion.class)),
            StandardCharsets.UTF_8);

    assertThat(written.split("\"role\"", -1)).hasSize(2);
    assertThat(WireJson.tree(written)).isEqualTo(WireJson.tree(provider));
  }
}
