package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;
import static dev.switchboard.engine.guardrails.TextChecks.excerpt;
import static dev.switchboard.engine.guardrails.TextChecks.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.wire.WireJson;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Portkey's checks that call out: {@code default.webhook}, {@code default.log} and {@code
 * default.validUrls}. Every call goes through the gateway's outbound client, so the outbound guard
 * checks each address (no internal address unless trusted; no redirects), and has a timeout.
 */
final class RemoteChecks {
  private RemoteChecks() {}

  /** Portkey's default webhook and log timeout. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(3000);

  private static final int MAX_ANSWER_BYTES = 1 << 20;

  /**
   * {@code default.webhook}: {@code webhookURL}, {@code headers} (an object or its JSON), {@code
   * timeout} (ms, 3000). The endpoint receives Portkey's plugin context (request, response,
   * provider, requestType, metadata, eventType; the client's headers left out) and answers {@code
   * {"verdict": …}}, optionally with {@code transformedData.request.json} (before the request) or
   * {@code transformedData.response.json} (after it) to rewrite the request or the answer.
   */
  static CheckResult webhook(CheckContext context, ObjectNode parameters) {
    String url = parameters.path("webhookURL").asText("");
    if (url.isEmpty()) {
      throw new CheckFailure("Missing webhook URL");
    }
    URI uri = uri(url, "Invalid webhook URL format");
    Map<String, String> headers = headers(parameters.get("headers"));
    Duration timeout = timeout(parameters);
    ObjectNode body = context.toJson();
    JsonNode answer = post(context, uri, headers, body, timeout);
    boolean verdict = answer.path("verdict").asBoolean(false);
    ObjectNode replacement = null;
    JsonNode transformed = answer.path("transformedData");
    JsonNode side =
        context.event() == HookEvent.BEFORE_REQUEST
            ? transformed.path("request").path("json")
            : transformed.path("response").path("json");
    if (side.isObject()) {
      replacement = (ObjectNode) side.deepCopy();
    }
    ObjectNode data = data().put("verdict", verdict);
    data.put("explanation", verdict ? "Webhook request succeeded" : "Webhook request failed");
    data.put("webhookUrl", url);
    data.set("responseData", answer.get("data"));
    data.putObject("requestContext").put("timeout", timeout.toMillis());
    return new CheckResult(verdict, null, data, null, replacement);
  }

  /** {@code default.log}: {@code logURL}, {@code headers}, {@code timeout}; always passes. */
  static CheckResult log(CheckContext context, ObjectNode parameters) {
    String url = parameters.path("logURL").asText("");
    if (url.isEmpty()) {
      throw new CheckFailure("Missing log URL");
    }
    URI uri = uri(url, "Invalid log URL format");
    post(context, uri, headers(parameters.get("headers")), context.toJson(), timeout(parameters));
    return CheckResult.of(true, data().put("message", "Logged the request to " + url));
  }

  private static final Pattern URL = Pattern.compile("https?://[^\\s,\"'{}\\[\\]]+");

  /**
   * {@code default.validUrls}: {@code onlyDNS}, {@code not}. Every URL in the text must answer a
   * {@code HEAD} with a 2xx within 3 s (or, with {@code onlyDNS}, its host must resolve). A text
   * without URLs fails, as Portkey's does.
   */
  static CheckResult validUrls(CheckContext context, ObjectNode parameters) {
    String text = context.text();
    boolean not = not(parameters);
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    boolean onlyDns = parameters.path("onlyDNS").asBoolean(false);
    Set<String> urls = new LinkedHashSet<>();
    Matcher matcher = URL.matcher(text);
    while (matcher.find()) {
      urls.add(matcher.group());
    }
    ObjectNode data = data();
    String method = onlyDns ? "DNS lookup" : "HTTP request";
    if (urls.isEmpty()) {
      data.put("explanation", "No URLs found in the text.");
      data.putArray("urls");
      data.put("validationMethod", method).put("not", not).put("textExcerpt", excerpt(text));
      return CheckResult.of(false, data);
    }
    List<String> valid = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (String url : urls) {
      boolean ok = onlyDns ? resolves(url) : answers(context, url);
      (ok ? valid : invalid).add(url);
    }
    boolean allValid = invalid.isEmpty();
    boolean verdict = not != allValid;
    data.put("verdict", verdict).put("not", not);
    data.put(
        "explanation",
        verdict
            ? not
                ? "All URLs are invalid as expected ("
                    + invalid.size()
                    + " of "
                    + urls.size()
                    + ")."
                : "All URLs are valid (" + valid.size() + " found)."
            : not
                ? "Some URLs are valid when they should all be invalid ("
                    + valid.size()
                    + " of "
                    + urls.size()
                    + ")."
                : "Some URLs are invalid (" + invalid.size() + " of " + urls.size() + " failed).");
    ArrayNode validJson = data.putArray("validUrls");
    valid.forEach(validJson::add);
    ArrayNode invalidJson = data.putArray("invalidUrls");
    invalid.forEach(invalidJson::add);
    data.put("validationMethod", method).put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  private static boolean resolves(String url) {
    try {
      String host = URI.create(url).getHost();
      return host != null && InetAddress.getAllByName(host).length > 0;
    } catch (IllegalArgumentException | UnknownHostException e) {
      return false;
    }
  }

  private static boolean answers(CheckContext context, String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return false;
    }
    try (UpstreamResponse response =
        context
            .services()
            .upstream
            .send(
                new UpstreamRequest(
                    "guardrail",
                    "HEAD",
                    uri,
                    List.of(Map.entry("user-agent", "URLValidator/1.0")),
                    null,
                    DEFAULT_TIMEOUT,
                    false))) {
      return response.isSuccess();
    } catch (GatewayException | IllegalArgumentException refusedOrFailed) {
      return false;
    }
  }

  static JsonNode post(
      CheckContext context, URI uri, Map<String, String> headers, JsonNode body, Duration timeout) {
    List<Map.Entry<String, String>> all = new ArrayList<>();
    all.add(Map.entry("content-type", "application/json"));
    headers.forEach((name, value) -> all.add(Map.entry(name, value)));
    UpstreamRequest request =
        new UpstreamRequest("guardrail", "POST", uri, all, WireJson.write(body), timeout, false);
    try (UpstreamResponse response = context.services().upstream.send(request)) {
      byte[] answer = response.readBody(MAX_ANSWER_BYTES);
      if (!response.isSuccess()) {
        throw new CheckFailure("The endpoint answered with status " + response.status());
      }
      try {
        return answer.length == 0 ? data() : WireJson.tree(answer);
      } catch (RuntimeException notJson) {
        throw new CheckFailure("The endpoint's answer is not JSON");
      }
    } catch (GatewayException failed) {
      throw new CheckFailure("The call failed: " + failed.getMessage());
    }
  }

  static URI uri(String url, String invalid) {
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        throw new CheckFailure(invalid);
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new CheckFailure(invalid);
    }
  }

  private static Duration timeout(ObjectNode parameters) {
    JsonNode timeout = parameters.get("timeout");
    return timeout != null && timeout.isNumber() && timeout.asLong() > 0
        ? Duration.ofMillis(Math.min(timeout.asLong(), 60_000))
        : DEFAULT_TIMEOUT;
  }

  private static Map<String, String> headers(JsonNode headers) {
    if (headers == null || headers.isNull()) {
      return Map.of();
    }
    JsonNode object = headers;
    if (headers.isTextual()) {
      try {
        object = WireJson.tree(headers.asText());
      } catch (RuntimeException e) {
        throw new CheckFailure("Failed to parse headers: Invalid headers format");
      }
    }
    if (!object.isObject()) {
      throw new CheckFailure("Failed to parse headers: Invalid headers format");
    }
    Map<String, String> map = new java.util.LinkedHashMap<>();
    object.properties().forEach(f -> map.put(f.getKey(), f.getValue().asText()));
    return map;
  }
}
