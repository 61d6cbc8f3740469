package dev.switchboard.referee;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The referee made of a Stainless-generated SDK (OpenAI's and Anthropic's Java SDKs): a JSON body
 * read into the SDK's model class with the SDK's own mapper, held to the SDK's strictest check
 * ({@code validate()}: every required field present, every field of its type), then walked for keys
 * the model does not know. Such SDKs keep an unknown key in the object's {@code
 * _additionalProperties()} instead of failing, so a key our translation or fake invented shows
 * there; it counts only on a closed object, one that has fields of its own (an object made only of
 * additional properties, such as a tool's parameters or metadata, is open by the schema).
 */
final class StainlessReferee {
  private final ObjectMapper mapper;
  private final String modelPackage;

  private StainlessReferee(ObjectMapper mapper, String modelPackage) {
    this.mapper = mapper;
    this.modelPackage = modelPackage;
  }

  /** OpenAI's Java SDK, with its own JSON mapper. */
  static StainlessReferee openAi() {
    return new StainlessReferee(com.openai.core.ObjectMappers.jsonMapper(), "com.openai.models");
  }

  /** Anthropic's Java SDK, with its own JSON mapper. */
  static StainlessReferee anthropic() {
    return new StainlessReferee(
        com.anthropic.core.ObjectMappers.jsonMapper(), "com.anthropic.models");
  }

  /**
   * What the SDK finds wrong with {@code json} read as {@code type}: a failure to read or to
   * validate, and every key it does not know (as a path, {@code choices[0].message.audio_x});
   * nothing when the body passes.
   */
  List<String> judge(String json, Class<?> type) {
    Object model;
    try {
      model = mapper.readValue(json, type);
    } catch (Exception e) {
      return List.of(type.getSimpleName() + ": unreadable: " + e.getMessage());
    }
    return judge(model);
  }

  /** As {@link #judge(String, Class)}, for a model the SDK has already read. */
  List<String> judge(Object model) {
    List<String> findings = new ArrayList<>();
    try {
      model.getClass().getMethod("validate").invoke(model);
    } catch (InvocationTargetException e) {
      findings.add(model.getClass().getSimpleName() + ": invalid: " + e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("not a model of the SDK: " + model.getClass(), e);
    }
    unknownKeys(model, model.getClass().getSimpleName(), findings);
    return findings;
  }

  private void unknownKeys(Object value, String path, List<String> findings) {
    switch (value) {
      case null -> {}
      case Optional<?> optional -> optional.ifPresent(inner -> unknownKeys(inner, path, findings));
      case List<?> list -> {
        for (int i = 0; i < list.size(); i++) {
          unknownKeys(list.get(i), path + "[" + i + "]", findings);
        }
      }
      default -> {
        String name = value.getClass().getName();
        if (name.endsWith(".core.JsonField") || isJsonFieldVariant(value.getClass())) {
          unknownKeys(known(value), path, findings);
        } else if (name.startsWith(modelPackage)) {
          model(value, path, findings);
        }
      }
    }
  }

  private static boolean isJsonFieldVariant(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (c.getName().endsWith(".core.JsonField")) {
        return true;
      }
    }
    return false;
  }

  /** A {@code JsonField}'s value when it is known (present, of its type), else nothing. */
  private static Optional<?> known(Object jsonField) {
    try {
      Method asKnown = jsonField.getClass().getMethod("asKnown");
      return (Optional<?>) asKnown.invoke(jsonField);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private void model(Object model, String path, List<String> findings) {
    List<Field> own = new ArrayList<>();
    boolean closed = false;
    for (Field field : model.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers())
          || field.getName().equals("additionalProperties")
          || field.getName().equals("_json")) {
        continue;
      }
      own.add(field);
      closed |= isJsonFieldVariant(field.getType());
    }
    if (closed) {
      try {
        Method additional = model.getClass().getMethod("_additionalProperties");
        Map<?, ?> extra = (Map<?, ?>) additional.invoke(model);
        extra.keySet().forEach(key -> findings.add(path + "." + key + ": unknown to the SDK"));
      } catch (NoSuchMethodException e) {
        // a union or an enum: no object of its own
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    for (Field field : own) {
      field.setAccessible(true);
      try {
        unknownKeys(field.get(model), path + "." + field.getName(), findings);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
