package dev.switchboard.server.access;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The spellings of a route's path that a server might treat as the route while a check before it
 * does not (or the reverse): doubled slashes, an encoded slash, a trailing slash, another case, a
 * {@code ..} or {@code .} segment and encoded dots, an overlong UTF-8 slash. Each is sent byte for
 * byte ({@link RawHttp}).
 */
final class PathVariants {
  private PathVariants() {}

  /** A spelling of a path: its name in the report and the request target sent. */
  record Variant(String name, String rawPath) {
    boolean canonical() {
      return name.equals("canonical");
    }
  }

  /** The path as it is, then each variant of it that differs from it. */
  static List<Variant> of(String path) {
    Map<String, String> variants = new LinkedHashMap<>();
    variants.put("canonical", path);
    variants.put("leading //", "/" + path);
    variants.put("inner //", path.replaceFirst("^/v1/", "/v1//"));
    int lastSlash = path.lastIndexOf('/');
    if (lastSlash > 0) {
      variants.put("%2f", path.substring(0, lastSlash) + "%2f" + path.substring(lastSlash + 1));
      variants.put("%2F", path.substring(0, lastSlash) + "%2F" + path.substring(lastSlash + 1));
      variants.put(
          "overlong / (%C0%AF)",
          path.substring(0, lastSlash) + "%C0%AF" + path.substring(lastSlash + 1));
    }
    variants.put("trailing /", path + "/");
    variants.put("upper case", path.toUpperCase(Locale.ROOT));
    variants.put("capitalised", capitaliseSegments(path));
    if (path.startsWith("/v1/")) {
      variants.put("/v1/../v1/", "/v1/../v1/" + path.substring(4));
      variants.put("/v1/./", "/v1/./" + path.substring(4));
      variants.put("%2e%2e", "/v1/%2e%2e/v1/" + path.substring(4));
    }
    List<Variant> list = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    variants.forEach((name, raw) -> {
      if (seen.add(raw)) {
        list.add(new Variant(name, raw));
      }
    });
    return list;
  }

  private static String capitaliseSegments(String path) {
    StringBuilder out = new StringBuilder();
    boolean start = true;
    for (char c : path.toCharArray()) {
      out.append(start ? Character.toUpperCase(c) : c);
      start = c == '/';
    }
    return out.toString();
  }
}
