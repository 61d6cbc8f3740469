package dev.switchboard.server.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The words after {@code admin <noun> <verb>}: flags ({@code --name value} or {@code --name=value},
 * a few without a value) and positional words. Secrets never arrive here: a flag that looks like
 * one is refused with where the secret goes instead.
 */
record AdminArguments(Map<String, String> flags, List<String> positional) {

  /** Flags that take no value. */
  static final Set<String> SWITCHES = Set.of("help", "unlimited", "clear");

  /**
   * Flags someone may try for a secret. Flags end up in shell history and in {@code ps}, which
   * every user of the machine can read, so each is refused with where the secret goes instead.
   */
  private static final Map<String, String> SECRET_FLAGS =
      Map.of(
          "token", "set SWITCHBOARD_ADMIN_TOKEN",
          "admin-token", "set SWITCHBOARD_ADMIN_TOKEN",
          "api-key", "give it on stdin or with --api-key-file FILE",
          "key", "give it on stdin or with --api-key-file FILE",
          "secret", "give it on stdin or with --api-key-file FILE",
          "password", "set SWITCHBOARD_ADMIN_TOKEN");

  static AdminArguments parse(List<String> words) {
    Map<String, String> flags = new LinkedHashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      if (word.equals("-h")) {
        flags.put("help", "");
        continue;
      }
      if (!word.startsWith("--") || word.length() == 2) {
        positional.add(word);
        continue;
      }
      String name = word.substring(2);
      String value = null;
      int equals = name.indexOf('=');
      if (equals >= 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      }
      if (SECRET_FLAGS.containsKey(name)) {
        throw new AdminUsageException(
            "--"
                + name
                + " is not a flag: secrets on the command line end up in shell history and"
                + " in ps; "
                + SECRET_FLAGS.get(name));
      }
      if (SWITCHES.contains(name)) {
        if (value != null) {
          throw new AdminUsageException("--" + name + " takes no value");
        }
        value = "";
      } else if (value == null) {
        if (i + 1 >= words.size()) {
          throw new AdminUsageException("--" + name + " needs a value");
        }
        value = words.get(++i);
      }
      if (flags.putIfAbsent(name, value) != null) {
        throw new AdminUsageException("--" + name + " is given twice");
      }
    }
    return new AdminArguments(Map.copyOf(flags), List.copyOf(positional));
  }

  boolean has(String name) {
    return flags.containsKey(name);
  }

  /** The flag's value, or {@code null} when not given. */
  String optional(String name) {
    return flags.get(name);
  }

  String required(String name) {
    String value = flags.get(name);
    if (value == null || value.isBlank()) {
      throw new AdminUsageException("--" + name + " is required");
    }
    return value;
  }

  /**
   * A comma-separated list, or {@code null} when the flag is not given (in scopes: any). An empty
   * value is an empty list (in scopes: none).
   */
  List<String> list(String name) {
    String value = flags.get(name);
    if (value == null) {
      return null;
    }
    return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** The flag as a whole number, or {@code null} when not given. */
  Long whole(String name) {
    String value = flags.get(name);
    if (value == null) {
      return null;
    }
    try {
      long number = Long.parseLong(value.strip());
      if (number < 0) {
        throw new AdminUsageException("--" + name + " must not be negative");
      }
      return number;
    } catch (NumberFormatException e) {
      throw new AdminUsageException("--" + name + " must be a whole number, not '" + value + "'");
    }
  }
}
