package dev.switchboard.engine.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * One cached answer: the complete response body as JSON (a streamed answer is kept reassembled, so
 * it can be served whole or as a stream), what kind of body it is, the tokens it saves each time it
 * is served, and when it expires. What a hit saves in dollars is priced from the JSON itself (its
 * {@code usage}, cached prompt tokens included, and its {@code model}) when it is served, by the
 * price table then in force; the provider is in the key. So nothing more is stored for it, and
 * entries written before prices existed are priced too.
 *
 * @param kind which response type {@code json} holds
 * @param json the complete response, as the provider's wire format in the gateway's model
 * @param totalTokens the answer's {@code usage.total_tokens}, or 0 when unknown
 * @param storedAtMillis when it was stored, in epoch milliseconds of the gateway's clock (its age
 *     goes in the request log)
 * @param expiresAtMillis when it stops being served, in epoch milliseconds of the gateway's clock
 */
record StoredAnswer(
    Kind kind, byte[] json, int totalTokens, long storedAtMillis, long expiresAtMillis) {
  private static final int FORMAT = 2;

  /** The response types the cache stores. */
  enum Kind {
    CHAT,
    COMPLETION,
    EMBEDDING
  }

  /** The bytes this answer weighs in the embedded cache: its JSON and a little bookkeeping. */
  int weight() {
    return json.length + 64;
  }

  /** Compressed bytes for a shared store. */
  byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(json.length / 3 + 32);
    // A deflater given to the stream is not ended by it: end it here, not when GC gets to it.
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try (DataOutputStream out =
        new DataOutputStream(new DeflaterOutputStream(bytes, deflater, 4096))) {
      out.writeByte(FORMAT);
      out.writeByte(kind.ordinal());
      out.writeInt(totalTokens);
      out.writeLong(storedAtMillis);
      out.writeLong(expiresAtMillis);
      out.writeInt(json.length);
      out.write(json);
    } catch (IOException e) {
      throw new IllegalStateException("compressing in memory cannot fail", e);
    } finally {
      deflater.end();
    }
    return bytes.toByteArray();
  }

  /**
   * Reads what {@link #toBytes()} wrote.
   *
   * @throws IOException for bytes that are not a stored answer of this format
   */
  static StoredAnswer fromBytes(byte[] compressed, int maxJsonBytes) throws IOException {
    try (InputStream inflating =
            new InflaterInputStream(new java.io.ByteArrayInputStream(compressed));
        DataInputStream in = new DataInputStream(inflating)) {
      if (in.readByte() != FORMAT) {
        throw new IOException("unknown cache entry format");
      }
      int kind = in.readByte();
      if (kind < 0 || kind >= Kind.values().length) {
        throw new IOException("unknown cache entry kind");
      }
      int tokens = in.readInt();
      long stored = in.readLong();
      long expires = in.readLong();
      int length = in.readInt();
      if (length < 0 || length > maxJsonBytes) {
        throw new IOException("cache entry too large");
      }
      byte[] json = in.readNBytes(length);
      if (json.length != length) {
        throw new IOException("cache entry cut short");
      }
      return new StoredAnswer(Kind.values()[kind], json, tokens, stored, expires);
    }
  }
}
