package dev.switchboard.engine.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The semantic index of the Redis cache, kept in Redis beside the answers, so that gateways sharing
 * a Redis share semantic hits: one list per scope (newest first, at most {@code perScope} entries,
 * expiring with the newest answer indexed), searched exactly in the gateway. A Redis that fails is
 * an empty index, as the store's answers are misses then.
 */
final class RedisSemanticIndex implements SemanticIndex {
  private static final String LIST = "semantic:";

  private final RedisCacheStore redis;
  private final int perScope;

  RedisSemanticIndex(RedisCacheStore redis, int perScope) {
    this.redis = redis;
    this.perScope = perScope;
  }

  @Override
  public Match nearest(CacheKey scope, float[] vector, String turn, double threshold) {
    List<Entry> entries = new ArrayList<>();
    for (byte[] value : redis.list(LIST + scope.hex())) {
      Entry entry = read(value);
      if (entry != null) {
        entries.add(entry);
      }
    }
    return SemanticIndex.best(entries, vector, NumberGuard.numbers(turn), threshold);
  }

  @Override
  public void add(CacheKey scope, float[] vector, String turn, CacheKey answer, Duration maxAge) {
    byte[] value = write(new Entry(vector, NumberGuard.numbers(turn), answer));
    redis.pushBounded(LIST + scope.hex(), value, perScope, maxAge);
  }

  /** An entry as bytes: the answer's key, the turn's numbers, the vector. */
  static byte[] write(Entry entry) {
    var bytes = new ByteArrayOutputStream(64 + entry.vector().length * Float.BYTES);
    try (var out = new DataOutputStream(bytes)) {
      out.writeUTF(entry.answer().hex());
      out.writeInt(entry.numbers().size());
      for (String number : entry.numbers()) {
        out.writeUTF(number);
      }
      out.writeInt(entry.vector().length);
      for (float component : entry.vector()) {
        out.writeFloat(component);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The entry written as {@code value}, or {@code null} for bytes that are not one. */
  static Entry read(byte[] value) {
    try (var in = new DataInputStream(new ByteArrayInputStream(value))) {
      CacheKey answer = new CacheKey(in.readUTF());
      int count = in.readInt();
      if (count < 0 || count > value.length) {
        return null;
      }
      List<String> numbers = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        numbers.add(in.readUTF());
      }
      int dimensions = in.readInt();
      if (dimensions < 0 || dimensions * (long) Float.BYTES > value.length) {
        return null;
      }
      float[] vector = new float[dimensions];
      for (int i = 0; i < dimensions; i++) {
        vector[i] = in.readFloat();
      }
      return new Entry(vector, List.copyOf(numbers), answer);
    } catch (IOException unreadable) {
      return null;
    }
  }
}
