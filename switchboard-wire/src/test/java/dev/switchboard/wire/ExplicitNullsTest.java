package dev.switchboard.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A field sent as null is written back as null, in its place; a field not sent stays away. */
class ExplicitNullsTest {

  @Test
  void aRequestFieldSentAsNullIsWrittenAsNull() {
    String client =
        """
        {"model":"gpt-4o","temperature":null,"messages":[{"role":"user","content":"hi","name":null}],\
        "user":null}\
        """;

    String written = roundTrip(client, ChatRequest.class);

    // In the record's order (a request is written anew), every null where it was sent.
    assertThat(WireJson.tree(written)).isEqualTo(WireJson.tree(client));
    assertThat(written).contains("\"temperature\":null", "\"name\":null", "\"user\":null");
  }

  @Test
  void aResponsesNullsAreKeptInTheirPlace() {
    String provider =
        """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,\
        "message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"t",\
        "type":"function","function":{"name":"f","arguments":"{}"}}]},"logprobs":null,\
        "finish_reason":"tool_calls"}],"usage":null,"service_tier":null,\
        "system_fingerprint":null}\
        """;

    assertThat(roundTrip(provider, ChatCompletion.class)).isEqualTo(provider);
  }

  @Test
  void aChunksNullsAreKept() {
    String provider =
        """
        {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",\
        "system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant",\
        "content":null,"tool_calls":[{"index":0,"id":"t","type":"function",\
        "function":{"name":"f","arguments":""}}],"refusal":null},"logprobs":null,\
        "finish_reason":null}],"usage":null}\
        """;

    assertThat(WireJson.tree(roundTrip(provider, ChatCompletionChunk.class)))
        .isEqualTo(WireJson.tree(provider));
  }

  @Test
  void aFieldNotSentIsNotInvented() {
    String client = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    assertThat(roundTrip(client, ChatRequest.class)).isEqualTo(client);
  }

  @Test
  void aValueSetLaterIsWrittenOnceInsteadOfTheNull() {
    ChatRequest request =
        WireJson.read("{\"model\":\"m\",\"stream\":null}", ChatRequest.class).withStream(true);

    assertThat(WireJson.writeString(request)).isEqualTo("{\"model\":\"m\",\"stream\":true}");
  }

  private static String roundTrip(String json, Class<?> type) {
    return WireJson.writeString(WireJson.read(json.getBytes(StandardCharsets.UTF_8), type));
  }
}
