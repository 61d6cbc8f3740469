package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tool pinning, against tool poisoning: each upstream tool's title, description and schemas are
 * hashed (SHA-256 of their canonical JSON) when first seen, and that hash is the tool's pin. A tool
 * whose hash later differs from its pin is hidden (neither listed nor callable) and flagged until
 * an operator approves the new hash through the admin API. Pins are kept in a JSON file when one is
 * set, so a restart does not approve a changed tool by seeing it first again.
 */
public final class ToolPins {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** A tool's pin: the approved hash, and the one last seen when it differs. */
  public record Pin(String server, String tool, String approved, String seen) {
    /** Whether the tool as last seen is the one approved. */
    public boolean current() {
      return seen == null || seen.equals(approved);
    }
  }

  private final Path file;
  private final Map<String, Pin> pins = new TreeMap<>();

  ToolPins(Path file) {
    this.file = file;
    if (file != null && Files.exists(file)) {
      try {
        JsonNode stored = JSON.readTree(file.toFile());
        stored
            .properties()
            .forEach(entry -> {
              JsonNode pin = entry.getValue();
              pins.put(
                  entry.getKey(),
                  new Pin(
                      pin.get("server").asText(),
                      pin.get("tool").asText(),
                      pin.get("approved").asText(),
                      pin.hasNonNull("seen") ? pin.get("seen").asText() : null));
            });
      } catch (IOException e) {
        throw new IllegalArgumentException("mcp.pins-file: cannot read " + file, e);
      }
    }
  }

  /**
   * Records that {@code tool} of {@code server} is offered as it is now; pins it if it is new.
   *
   * @return whether it may be listed and called (it matches its approved pin)
   */
  synchronized boolean seen(String server, McpSchema.Tool tool) {
    String key = ToolNames.namespaced(server, tool.name());
    String hash = hash(tool);
    Pin pin = pins.get(key);
    Pin now;
    if (pin == null) {
      now = new Pin(server, tool.name(), hash, null);
    } else if (hash.equals(pin.approved())) {
      now = new Pin(server, tool.name(), pin.approved(), null);
    } else {
      now = new Pin(server, tool.name(), pin.approved(), hash);
    }
    if (!now.equals(pin)) {
      pins.put(key, now);
      save();
    }
    return now.current();
  }

  /** Every pin, flagged ones included, by namespaced tool name. */
  public synchronized List<Pin> all() {
    return List.copyOf(pins.values());
  }

  /**
   * Approves the tool as last seen.
   *
   * @return the new pin, or {@code null} when no such tool was ever seen
   */
  synchronized Pin approve(String server, String tool) {
    String key = ToolNames.namespaced(server, tool);
    Pin pin = pins.get(key);
    if (pin == null) {
      return null;
    }
    Pin approved = new Pin(server, tool, pin.current() ? pin.approved() : pin.seen(), null);
    pins.put(key, approved);
    save();
    return approved;
  }

  static String hash(McpSchema.Tool tool) {
    Map<String, Object> pinned = new LinkedHashMap<>();
    pinned.put("title", tool.title());
    pinned.put("description", tool.description());
    pinned.put("inputSchema", tool.inputSchema());
    pinned.put("outputSchema", tool.outputSchema());
    try {
      byte[] canonical = JSON.writeValueAsBytes(pinned);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("a tool could not be hashed", e);
    }
  }

  private void save() {
    if (file == null) {
      return;
    }
    ObjectNode stored = JSON.createObjectNode();
    pins.forEach((key, pin) -> stored.set(key, JSON.valueToTree(pin)));
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Path next = file.resolveSibling(file.getFileName() + ".next");
      Files.writeString(next, stored.toPrettyString(), StandardCharsets.UTF_8);
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new IllegalStateException("mcp.pins-file: cannot write " + file, e);
    }
  }
}
