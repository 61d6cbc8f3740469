package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a virtual key's provider credentials from where a secret may come from: a file, stdin, or
 * the terminal without echo. Never from a flag (shell history, {@code ps}). Messages never quote
 * what was read.
 *
 * @param console the terminal to prompt on when stdin is one, or {@code null}
 */
record ProviderSecrets(InputStream stdin, Console console) {

  /** {@code {"api_key": …}} or the JSON object of {@code --credentials-file}. */
  ObjectNode read(AdminArguments arguments, AdminVerbs.VirtualKeyName name) {
    String apiKeyFile = arguments.optional("api-key-file");
    String credentialsFile = arguments.optional("credentials-file");
    if (apiKeyFile != null && credentialsFile != null) {
      throw new AdminUsageException(
          "give --api-key-file or --credentials-file, not both (put api_key in the credentials)");
    }
    if (credentialsFile != null) {
      return credentials(read(credentialsFile, "--credentials-file"));
    }
    String apiKey;
    if (apiKeyFile != null) {
      apiKey = read(apiKeyFile, "--api-key-file");
    } else if (console != null) {
      char[] typed =
          console.readPassword(
              "API key for %s/%s (not shown as you type): ", name.workspace(), name.slug());
      apiKey = typed == null ? "" : new String(typed);
    } else {
      apiKey = readStdin();
    }
    apiKey = apiKey.strip();
    if (apiKey.isEmpty()) {
      throw new AdminUsageException(
          "no provider API key: pipe it on stdin or give --api-key-file FILE");
    }
    if (apiKey.indexOf('\n') >= 0 || apiKey.indexOf('\r') >= 0) {
      throw new AdminUsageException(
          "the provider API key has several lines; for several credentials use --credentials-file");
    }
    ObjectNode credentials = JsonNodeFactory.instance.objectNode();
    credentials.put("api_key", apiKey);
    return credentials;
  }

  /** The text of {@code file} ({@code -}: stdin), for a flag such as {@code --file}. */
  String text(String file, String flag) {
    return read(file, flag);
  }

  private String read(String file, String flag) {
    if (file.equals("-")) {
      return readStdin();
    }
    try {
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AdminUsageException(
          flag + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private String readStdin() {
    try {
      return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AdminUsageException("cannot read stdin (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** A JSON object of credential names to string values; its text is never echoed back. */
  private static ObjectNode credentials(String json) {
    JsonNode tree;
    try {
      tree = WireJson.mapper().readTree(json);
    } catch (IOException e) {
      throw new AdminUsageException("--credentials-file is not a JSON object");
    }
    if (tree == null || !tree.isObject() || tree.isEmpty()) {
      throw new AdminUsageException(
          "--credentials-file must hold a JSON object of credential names to values");
    }
    ObjectNode credentials = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : tree.properties()) {
      JsonNode value = field.getValue();
      if (value.isTextual()) {
        credentials.put(field.getKey(), value.textValue());
      } else if (value.isObject()) {
        // A service account's JSON may be given as it was downloaded; it is stored as its text.
        credentials.put(field.getKey(), value.toString());
      } else {
        throw new AdminUsageException(
            "--credentials-file: the value of " + field.getKey() + " must be a string");
      }
    }
    return credentials;
  }
}
