package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the secrets out of a {@link ReplayFixture} before it is written, so a recorded exchange can
 * be committed: the values of credential, cookie, account and request-id headers (the scheme of an
 * {@code Authorization} kept), credential query parameters ({@code key=}, {@code X-Amz-Signature=},
 * …), every occurrence of a secret it was given (a provider key, an AWS secret, a service account's
 * private key) in the paths, headers and bodies, and text shaped like a provider key (OpenAI's
 * {@code sk-…}, a masked {@code sk-abc***xyz} in an error message, Google's {@code AIza…} and
 * {@code ya29.…}, AWS's {@code AKIA…}). Each becomes {@value #SCRUBBED}. Names of the account that
 * a request needs to be replayed (an Azure resource, a Google Cloud project) are not scrubbed but
 * replaced by stand-ins it was given, everywhere, so the fixture still replays and names no
 * account.
 *
 * <p>A binary body (AWS event-stream frames) cannot be edited without breaking its checksums: one
 * that holds a secret is refused with an {@link IllegalArgumentException}, never written.
 */
public final class FixtureScrubber {
  /** What a scrubbed value becomes. */
  public static final String SCRUBBED = "<scrubbed>";

  /** Headers whose whole value is a credential, an account id, a cookie or a request id. */
  private static final Set<String> SECRET_HEADERS =
      Set.of(
          "authorization",
          "proxy-authorization",
          "x-api-key",
          "api-key",
          "x-goog-api-key",
          "x-goog-user-project",
          "cookie",
          "set-cookie",
          "openai-organization",
          "openai-project",
          "anthropic-organization-id",
          "x-request-id",
          "request-id",
          "x-amzn-requestid",
          "x-amz-request-id",
          "x-amz-id-2",
          "x-cloud-trace-context",
          "cf-ray");

  /** Header name prefixes of AWS's signature and credentials, and the gateway's own options. */
  private static final List<String> SECRET_HEADER_PREFIXES = List.of("x-amz-", "x-portkey-aws-");

  /** Query parameters that carry a credential. */
  private static final Pattern SECRET_QUERY =
      Pattern.compile(
          "(?i)(^|[?&])(key|api_key|api-key|apikey|access_token|token|sig|signature"
              + "|x-amz-[a-z-]+)=([^&#]*)");

  /** Text shaped like a provider key, wherever it appears. */
  private static final Pattern KEY_SHAPED =
      Pattern.compile(
          "(?<![A-Za-z0-9_\\-])(?:sk-[A-Za-z0-9_*\\-]{6,}"
              + "|AIza[0-9A-Za-z_\\-]{10,}"
              + "|ya29\\.[0-9A-Za-z_\\-.]+"
              + "|(?:AKIA|ASIA)[0-9A-Z]{12,})");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> secrets;
  private final Map<String, String> standIns;

  private FixtureScrubber(List<String> secrets, Map<String, String> standIns) {
    this.secrets = secrets;
    this.standIns = standIns;
  }

  /**
   * A scrubber of {@code secrets} (blank ones ignored) besides the headers, queries and key-shaped
   * text it always scrubs. Longer secrets are replaced first, so one that contains another goes
   * whole.
   */
  public static FixtureScrubber of(List<String> secrets) {
    return of(secrets, Map.of());
  }

  /**
   * A scrubber of {@code secrets} (as {@link #of(List)}) that also replaces each key of {@code
   * standIns} (an account's name: an Azure resource, a Google Cloud project; blank ones ignored)
   * with its value wherever it appears, longer names first.
   */
  public static FixtureScrubber of(List<String> secrets, Map<String, String> standIns) {
    Map<String, String> names = new LinkedHashMap<>();
    standIns.entrySet().stream()
        .filter(name -> name.getKey() != null && !name.getKey().isBlank())
        .sorted(
            Comparator.comparingInt((Map.Entry<String, String> name) -> name.getKey().length())
                .reversed())
        .forEach(name -> names.put(name.getKey(), name.getValue()));
    return new FixtureScrubber(
        secrets.stream()
            .filter(secret -> secret != null && !secret.isBlank())
            .distinct()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .toList(),
        names);
  }

  /** {@code fixture} without its secrets. */
  public ReplayFixture scrub(ReplayFixture fixture) {
    ReplayFixture.ClientCall client = fixture.client();
    ReplayFixture.ProviderRequest request = fixture.request();
    ReplayFixture.ProviderResponse response = fixture.response();
    return new ReplayFixture(
        fixture.provider(),
        fixture.scenario(),
        text(fixture.origin()),
        new ReplayFixture.ClientCall(
            text(client.path()), headers(client.headers()), json(client.body())),
        new ReplayFixture.ProviderRequest(
            request.method(),
            path(request.path()),
            headers(request.headers()),
            json(request.body())),
        new ReplayFixture.ProviderResponse(
            response.status(), headers(response.headers()), responseBody(response)));
  }

  /** {@code headers} with the secret ones' values scrubbed. */
  public Map<String, String> headers(Map<String, String> headers) {
    Map<String, String> scrubbed = new LinkedHashMap<>();
    headers.forEach((name, value) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      boolean secret =
          SECRET_HEADERS.contains(lower)
              || SECRET_HEADER_PREFIXES.stream().anyMatch(lower::startsWith);
      scrubbed.put(name, secret ? keepScheme(lower, value) : text(value));
    });
    return scrubbed;
  }

  /** {@code path} with its credential query parameters and any secret in it scrubbed. */
  public String path(String path) {
    Matcher matcher = SECRET_QUERY.matcher(path);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(
          out, Matcher.quoteReplacement(matcher.group(1) + matcher.group(2) + "=" + SCRUBBED));
    }
    matcher.appendTail(out);
    return text(out.toString());
  }

  /** {@code text} with every secret and key-shaped string in it scrubbed. */
  public String text(String text) {
    if (text == null) {
      return null;
    }
    String scrubbed = text;
    for (Map.Entry<String, String> name : standIns.entrySet()) {
      scrubbed = scrubbed.replace(name.getKey(), name.getValue());
    }
    for (String secret : secrets) {
      scrubbed = scrubbed.replace(secret, SCRUBBED);
      // A secret inside a JSON string may be escaped there (a private key's newlines, slashes).
      String escaped = jsonEscaped(secret);
      if (!escaped.equals(secret)) {
        scrubbed = scrubbed.replace(escaped, SCRUBBED);
      }
    }
    return KEY_SHAPED.matcher(scrubbed).replaceAll(Matcher.quoteReplacement(SCRUBBED));
  }

  private JsonNode json(JsonNode body) {
    if (body == null) {
      return null;
    }
    String scrubbed = text(body.toString());
    try {
      return JSON.readTree(scrubbed);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a scrubbed JSON body no longer parses", e);
    }
  }

  private byte[] responseBody(ReplayFixture.ProviderResponse response) {
    byte[] body = response.body();
    String text = ReplayFixture.utf8Text(body);
    boolean binary =
        text == null
            || ReplayFixture.isBinaryType(response.header("content-type"))
            || response.header("content-encoding") != null;
    if (!binary) {
      return text(text).getBytes(StandardCharsets.UTF_8);
    }
    String asLatin1 = new String(body, StandardCharsets.ISO_8859_1);
    for (String secret : secrets) {
      if (asLatin1.contains(
          new String(secret.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))) {
        throw new IllegalArgumentException(
            "a binary answer holds a secret and cannot be scrubbed without breaking it; not written");
      }
    }
    if (KEY_SHAPED.matcher(asLatin1).find()) {
      throw new IllegalArgumentException(
          "a binary answer holds text shaped like a key; not written");
    }
    return body;
  }

  private static String keepScheme(String name, String value) {
    if (name.endsWith("authorization")) {
      int space = value.indexOf(' ');
      if (space > 0) {
        return value.substring(0, space) + " " + SCRUBBED;
      }
    }
    return SCRUBBED;
  }

  private static String jsonEscaped(String secret) {
    try {
      String quoted = JSON.writeValueAsString(secret);
      return quoted.substring(1, quoted.length() - 1);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
