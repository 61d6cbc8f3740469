package dev.switchboard.referee;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.JsonSerializable;
import com.google.genai.types.Content;
import com.google.genai.types.GenerationConfig;
import com.google.genai.types.SafetySetting;
import com.google.genai.types.Tool;
import com.google.genai.types.ToolConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The referee made of Google's GenAI SDK ({@code com.google.genai}): a JSON body read into the
 * SDK's model class with the SDK's own mapper ({@link JsonSerializable#fromJsonNode}), then written
 * back with the same mapper and compared with what was read. The SDK drops a key it does not know
 * without a word, so whatever does not come back (a key, or a value read as something else) is what
 * the SDK could not take: a field our translation or fake invented, or one in the wrong place or of
 * the wrong type.
 */
final class GenAiReferee {
  private GenAiReferee() {}

  /**
   * The members of the REST body of {@code generateContent} and {@code streamGenerateContent}
   * (Gemini API and Vertex AI: ai.google.dev/api/generate-content#request-body), each with the SDK
   * class that models it. The SDK has no class for the body itself: its {@code
   * GenerateContentConfig} is split into these members by the SDK's request converter. {@code
   * cachedContent} is a name; {@code labels} (Vertex AI only) is an open map.
   */
  private static final Map<String, Class<? extends JsonSerializable>> REQUEST_MEMBERS =
      Map.of(
          "contents", Content.class,
          "systemInstruction", Content.class,
          "tools", Tool.class,
          "toolConfig", ToolConfig.class,
          "safetySettings", SafetySetting.class,
          "generationConfig", GenerationConfig.class);

  /** What the SDK finds wrong with a {@code generateContent} request body. */
  static List<String> judgeRequest(JsonNode body, boolean vertex) {
    List<String> findings = new ArrayList<>();
    if (!body.path("contents").isArray() || body.path("contents").isEmpty()) {
      findings.add("request.contents: missing, and Google requires it");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      String name = member.getKey();
      JsonNode value = member.getValue();
      Class<? extends JsonSerializable> type = REQUEST_MEMBERS.get(name);
      if (type != null && value.isArray()) {
        for (int i = 0; i < value.size(); i++) {
          findings.addAll(judge(value.get(i), type, "request." + name + "[" + i + "]"));
        }
      } else if (type != null) {
        findings.addAll(judge(value, type, "request." + name));
      } else if (name.equals("cachedContent") && value.isTextual()) {
        // the name of a cached content: nothing to read into
      } else if (vertex && name.equals("labels") && value.isObject()) {
        // Vertex AI's labels: an open map of strings
      } else {
        findings.add("request." + name + ": unknown to the SDK");
      }
    }
    return findings;
  }

  /**
   * What the SDK finds wrong with {@code json} read as {@code type}: a failure to read, and each
   * key or value that does not come back when written again, named by its path under {@code at}.
   */
  static List<String> judge(JsonNode json, Class<? extends JsonSerializable> type, String at) {
    JsonSerializable model;
    try {
      model = JsonSerializable.fromJsonNode(json, type);
    } catch (RuntimeException e) {
      return List.of(at + ": unreadable as " + type.getSimpleName() + ": " + e.getMessage());
    }
    List<String> findings = new ArrayList<>();
    // written as text and read again: the SDK's bytes (inline data) are base64 text on the wire
    compare(json, JsonSerializable.stringToJsonNode(model.toJson()), at, findings);
    return findings;
  }

  private static void compare(JsonNode read, JsonNode written, String at, List<String> findings) {
    if (read.isObject() && written.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = read.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> member = it.next();
        String path = at + "." + member.getKey();
        JsonNode back = written.get(member.getKey());
        if (back == null) {
          findings.add(
              path
                  + (member.getValue().isNull()
                      ? ": null, dropped by the SDK"
                      : ": unknown to the SDK"));
        } else {
          compare(member.getValue(), back, path, findings);
        }
      }
    } else if (read.isArray() && written.isArray() && read.size() == written.size()) {
      for (int i = 0; i < read.size(); i++) {
        compare(read.get(i), written.get(i), at + "[" + i + "]", findings);
      }
    } else if (read.isNumber() && written.isNumber()) {
      if (!sameNumber(read, written)) {
        findings.add(at + ": " + read + " read as " + written);
      }
    } else if (!read.equals(written)) {
      findings.add(at + ": " + abbreviated(read) + " read as " + abbreviated(written));
    }
  }

  /** Equal as numbers, allowing for a {@code float} field's rounding (0.2 written as 0.2). */
  private static boolean sameNumber(JsonNode read, JsonNode written) {
    BigDecimal a = read.decimalValue();
    BigDecimal b = written.decimalValue();
    if (a.compareTo(b) == 0) {
      return true;
    }
    return (float) read.doubleValue() == (float) written.doubleValue();
  }

  private static String abbreviated(JsonNode node) {
    String text = node.toString();
    return text.length() > 80 ? text.substring(0, 80) + "…" : text;
  }
}
