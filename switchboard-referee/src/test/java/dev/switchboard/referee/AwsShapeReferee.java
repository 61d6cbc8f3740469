package dev.switchboard.referee;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallLocation;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.core.traits.RequiredTrait;

/**
 * The referee made of the AWS SDK's model of a service (Bedrock Runtime's shapes): a JSON body
 * walked against the shape's {@link SdkField} list, the very list the SDK marshals and unmarshals
 * with. Every key must be a payload member of its shape (by its wire name, {@link
 * SdkField#unmarshallLocationName()}), recursively through nested shapes, lists and maps, each of
 * the right JSON kind; a document member (a tool's input, its JSON schema, extra model fields) is
 * open. The SDK's unmarshaller skips an unknown key without a word, so this walk is the strict
 * reading it does not do. Members the model marks required ({@link RequiredTrait}) must be there.
 */
final class AwsShapeReferee {
  private AwsShapeReferee() {}

  /**
   * What the shape built by {@code shape} finds wrong with {@code json}, paths under {@code at}.
   */
  static List<String> judge(JsonNode json, SdkPojo shape, String at) {
    List<String> findings = new ArrayList<>();
    shape(json, shape, at, findings);
    return findings;
  }

  private static void shape(JsonNode json, SdkPojo shape, String at, List<String> findings) {
    if (!json.isObject()) {
      findings.add(at + ": " + kind(json) + " where the SDK has a structure");
      return;
    }
    List<SdkField<?>> fields =
        shape.sdkFields().stream().filter(f -> f.location() == MarshallLocation.PAYLOAD).toList();
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      String path = at + "." + member.getKey();
      Optional<SdkField<?>> field =
          fields.stream()
              .filter(f -> member.getKey().equals(f.unmarshallLocationName()))
              .findFirst();
      if (field.isEmpty()) {
        findings.add(path + ": unknown to the SDK");
      } else {
        value(member.getValue(), field.get(), path, findings);
      }
    }
    for (SdkField<?> field : fields) {
      if (field.containsTrait(RequiredTrait.class) && !json.has(field.unmarshallLocationName())) {
        findings.add(
            at + "." + field.unmarshallLocationName() + ": missing, and the SDK requires it");
      }
    }
    if (isUnion(shape) && json.size() != 1) {
      findings.add(at + ": a union with " + json.size() + " members set, where one is");
    }
  }

  /**
   * A union shape (a content block, a tool's input schema): exactly one member is set. The SDK
   * gives a union a {@code type()} of its own nested {@code Type} enum (a structure with a member
   * named type, as a cache point, has the member's enum instead).
   */
  private static boolean isUnion(SdkPojo shape) {
    Class<?> model = shape.getClass().getEnclosingClass();
    if (model == null) {
      model = shape.getClass();
    }
    for (Class<?> nested : model.getDeclaredClasses()) {
      if (nested.isEnum() && nested.getSimpleName().equals("Type")) {
        return true;
      }
    }
    return false;
  }

  private static void value(JsonNode json, SdkField<?> field, String at, List<String> findings) {
    MarshallingType<?> type = field.marshallingType();
    if (json.isNull()) {
      findings.add(at + ": null, where the SDK has a " + type);
    } else if (type == MarshallingType.DOCUMENT) {
      // open by the model: any JSON
    } else if (type == MarshallingType.SDK_POJO) {
      shape(json, field.constructor().get(), at, findings);
    } else if (type == MarshallingType.LIST) {
      if (!json.isArray()) {
        findings.add(at + ": " + kind(json) + " where the SDK has a list");
        return;
      }
      SdkField<?> member = field.getTrait(ListTrait.class).memberFieldInfo();
      for (int i = 0; i < json.size(); i++) {
        value(json.get(i), member, at + "[" + i + "]", findings);
      }
    } else if (type == MarshallingType.MAP) {
      if (!json.isObject()) {
        findings.add(at + ": " + kind(json) + " where the SDK has a map");
        return;
      }
      SdkField<?> member = field.getTrait(MapTrait.class).valueFieldInfo();
      json.fields()
          .forEachRemaining(e -> value(e.getValue(), member, at + "." + e.getKey(), findings));
    } else if (type == MarshallingType.STRING || type == MarshallingType.SDK_BYTES) {
      expect(json.isTextual(), json, "string", at, findings);
    } else if (type == MarshallingType.INTEGER || type == MarshallingType.LONG) {
      expect(json.isIntegralNumber(), json, "integer", at, findings);
    } else if (type == MarshallingType.FLOAT
        || type == MarshallingType.DOUBLE
        || type == MarshallingType.BIG_DECIMAL) {
      expect(json.isNumber(), json, "number", at, findings);
    } else if (type == MarshallingType.BOOLEAN) {
      expect(json.isBoolean(), json, "boolean", at, findings);
    } else if (type == MarshallingType.INSTANT) {
      expect(json.isTextual() || json.isNumber(), json, "timestamp", at, findings);
    } else {
      findings.add(at + ": a " + type + " the referee does not know how to read");
    }
  }

  private static void expect(
      boolean ok, JsonNode json, String kind, String at, List<String> findings) {
    if (!ok) {
      findings.add(at + ": " + kind(json) + " where the SDK has a " + kind);
    }
  }

  private static String kind(JsonNode json) {
    return json.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }
}
