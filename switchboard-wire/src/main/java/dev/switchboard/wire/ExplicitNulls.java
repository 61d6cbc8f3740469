package dev.switchboard.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.deser.ValueInstantiator;
import com.fasterxml.jackson.databind.deser.impl.PropertyValueBuffer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.ser.AnyGetterWriter;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerBuilder;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps a field that was sent as {@code null}. The wire records leave out a field they hold no
 * value for, so that a field a client or provider did not send is not invented; but a field sent as
 * {@code null} ({@code "temperature": null}, {@code "refusal": null}) was sent, and clients written
 * against OpenAI's schema test for the key. A typed field read as an explicit {@code null} is
 * therefore noted in the record's {@code extras} as a JSON {@code null} under its own name, and
 * written back at the typed field's place; {@code extras} never writes a key a typed field writes,
 * so a record built with a value for that field writes the value once.
 *
 * <p>This applies to every record of the wire model with an {@code extras} component.
 */
final class ExplicitNulls extends SimpleModule {
  private static final String EXTRAS = "extras";
  private static final MethodType EXTRAS_ACCESSOR =
      MethodType.methodType(Object.class, Object.class);

  ExplicitNulls() {
    super("switchboard-explicit-nulls");
    setDeserializerModifier(
        new BeanDeserializerModifier() {
          @Override
          public BeanDeserializerBuilder updateBuilder(
              DeserializationConfig config,
              BeanDescription description,
              BeanDeserializerBuilder builder) {
            int extras = extrasIndex(description.getBeanClass());
            if (extras >= 0) {
              builder.setValueInstantiator(new NullNoting(builder.getValueInstantiator(), extras));
            }
            return builder;
          }
        });
    setSerializerModifier(
        new BeanSerializerModifier() {
          @Override
          public BeanSerializerBuilder updateBuilder(
              SerializationConfig config,
              BeanDescription description,
              BeanSerializerBuilder builder) {
            MethodHandle extras = extrasAccessor(description.getBeanClass());
            if (extras == null) {
              return builder;
            }
            // Jackson lists the any-getter among the properties (in their order) or apart.
            BeanPropertyWriter anyGetter = builder.getAnyGetter();
            Set<String> typed = new HashSet<>();
            for (BeanPropertyWriter writer : builder.getProperties()) {
              if (writer instanceof AnyGetterWriter) {
                anyGetter = writer;
              } else {
                typed.add(writer.getName());
              }
            }
            List<BeanPropertyWriter> writers = new ArrayList<>();
            for (BeanPropertyWriter writer : builder.getProperties()) {
              if (!(writer instanceof AnyGetterWriter)) {
                writers.add(new NullKeepingWriter(writer, extras));
              }
            }
            if (anyGetter != null) {
              // Written last, as the any-getter would write them, less the typed fields' keys.
              writers.add(new ExtrasWriter(anyGetter, typed, extras));
            }
            builder.setProperties(writers);
            builder.setAnyGetter(null);
            return builder;
          }
        });
  }

  /** The index of a wire record's {@code extras} component, or -1. */
  private static int extrasIndex(Class<?> type) {
    if (!type.isRecord() || !type.getPackageName().equals(ExplicitNulls.class.getPackageName())) {
      return -1;
    }
    RecordComponent[] components = type.getRecordComponents();
    for (int i = 0; i < components.length; i++) {
      if (components[i].getName().equals(EXTRAS) && components[i].getType() == Map.class) {
        return i;
      }
    }
    return -1;
  }

  private static MethodHandle extrasAccessor(Class<?> type) {
    int index = extrasIndex(type);
    if (index < 0) {
      return null;
    }
    try {
      return MethodHandles.lookup()
          .unreflect(type.getRecordComponents()[index].getAccessor())
          .asType(EXTRAS_ACCESSOR);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("the wire record " + type + " hides its extras", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, JsonNode> extrasOf(MethodHandle accessor, Object bean) {
    try {
      return (Map<String, JsonNode>) (Object) accessor.invokeExact(bean);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builds a record with each typed field read as an explicit {@code null} noted in extras. */
  private static final class NullNoting extends ValueInstantiator.Delegating {
    private final int extras;

    NullNoting(ValueInstantiator delegate, int extras) {
      super(delegate);
      this.extras = extras;
    }

    @Override
    public ValueInstantiator createContextual(
        DeserializationContext context, BeanDescription description) throws JsonMappingException {
      ValueInstantiator contextual = delegate().createContextual(context, description);
      return contextual == delegate() ? this : new NullNoting(contextual, extras);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object createFromObjectWith(
        DeserializationContext context,
        SettableBeanProperty[] properties,
        PropertyValueBuffer buffer)
        throws IOException {
      Object[] arguments = buffer.getParameters(properties);
      Map<String, JsonNode> noted = null;
      for (int i = 0; i < properties.length && i < arguments.length; i++) {
        SettableBeanProperty property = properties[i];
        if (i != extras
            && property != null
            && arguments[i] == null
            && buffer.hasParameter(property)) {
          if (noted == null) {
            noted = new LinkedHashMap<>();
            if (arguments[extras] instanceof Map<?, ?> unknown) {
              noted.putAll((Map<String, JsonNode>) unknown);
            }
          }
          noted.put(property.getName(), NullNode.getInstance());
        }
      }
      if (noted != null) {
        arguments[extras] = noted;
      }
      return delegate().createFromObjectWith(context, arguments);
    }
  }

  /** A typed field: written as {@code null} when it holds none and was sent as {@code null}. */
  private static final class NullKeepingWriter extends BeanPropertyWriter {
    private final MethodHandle extras;

    NullKeepingWriter(BeanPropertyWriter base, MethodHandle extras) {
      super(base);
      this.extras = extras;
    }

    @Override
    public void serializeAsField(Object bean, JsonGenerator generator, SerializerProvider provider)
        throws Exception {
      if (get(bean) == null
          && extrasOf(extras, bean).get(getName()) instanceof JsonNode noted
          && noted.isNull()) {
        generator.writeNullField(getName());
        return;
      }
      super.serializeAsField(bean, generator, provider);
    }
  }

  /** The record's {@code extras}, less any key a typed field writes. */
  private static final class ExtrasWriter extends BeanPropertyWriter {
    private final Set<String> typed;
    private final MethodHandle extras;

    ExtrasWriter(BeanPropertyWriter base, Set<String> typed, MethodHandle extras) {
      super(base);
      this.typed = Set.copyOf(typed);
      this.extras = extras;
    }

    @Override
    public void serializeAsField(Object bean, JsonGenerator generator, SerializerProvider provider)
        throws Exception {
      for (Map.Entry<String, JsonNode> field : extrasOf(extras, bean).entrySet()) {
        if (!typed.contains(field.getKey())) {
          generator.writeFieldName(field.getKey());
          provider.defaultSerializeValue(field.getValue(), generator);
        }
      }
    }
  }
}
