package dev.switchboard.engine.providers.bedrock;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A fuzz target for the ConverseStream translator: whatever the frames' types and payloads, it
 * gives chunks that serialise, or throws the gateway's error, never anything else. An input is one
 * frame per line, {@code <message-type>|<event-type or exception-type>|<payload>}. In an ordinary
 * build Jazzer replays the committed inputs under {@code
 * src/test/resources/.../ConverseStreamTranslatorFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it
 * fuzzes and adds what it finds there.
 */
class ConverseStreamTranslatorFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void translatesAnyFramesIntoChunksOrAGatewayError(byte[] input) {
    var translator = new ConverseStreamTranslator("chatcmpl-fuzz", 0L, "model", true, false);
    for (String line : new String(input, StandardCharsets.UTF_8).split("\n", -1)) {
      String[] parts = line.split("\\|", 3);
      Map<String, HeaderValue> headers = new LinkedHashMap<>();
      headers.put(":message-type", HeaderValue.fromString(parts[0]));
      if (parts.length > 1) {
        headers.put(
            parts[0].equals("exception") ? ":exception-type" : ":event-type",
            HeaderValue.fromString(parts[1]));
      }
      byte[] payload = parts.length > 2 ? parts[2].getBytes(StandardCharsets.UTF_8) : new byte[0];
      try {
        for (ChatCompletionChunk chunk : translator.translate(new Message(headers, payload))) {
          WireJson.write(chunk);
        }
      } catch (GatewayException expected) {
        return; // the only failure a frame may cause; the stream ends there
      }
    }
  }
}
