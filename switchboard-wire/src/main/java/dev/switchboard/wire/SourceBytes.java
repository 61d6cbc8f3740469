package dev.switchboard.wire;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bytes each record read with {@link WireJson#readKeepingSource} was read from, by the record's
 * identity, for as long as the record is reachable. The wire records are immutable, so a record
 * that is still the very instance read is still what those bytes say, in the sender's own key
 * order, number formats, escapes and nulls; a record that was changed is a new instance, and is
 * written anew.
 */
final class SourceBytes {
  private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();
  private static final Map<Identity, byte[]> SOURCES = new ConcurrentHashMap<>();

  private SourceBytes() {}

  static void remember(Object record, byte[] source) {
    forgetCollected();
    SOURCES.put(new Identity(record, COLLECTED), source);
  }

  /** The bytes {@code record} was read from, or {@code null}. */
  static byte[] of(Object record) {
    return SOURCES.isEmpty() ? null : SOURCES.get(new Identity(record, null));
  }

  private static void forgetCollected() {
    for (var gone = COLLECTED.poll(); gone != null; gone = COLLECTED.poll()) {
      SOURCES.remove(gone);
    }
  }

  /** A weak reference equal to another only while both refer to the same object. */
  private static final class Identity extends WeakReference<Object> {
    private final int hash;

    Identity(Object referent, ReferenceQueue<Object> queue) {
      super(referent, queue);
      this.hash = System.identityHashCode(referent);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      return other instanceof Identity that
          && that.hash == hash
          && that.get() == get()
          && get() != null;
    }
  }
}
