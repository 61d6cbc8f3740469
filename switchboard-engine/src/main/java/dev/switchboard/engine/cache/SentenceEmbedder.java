package dev.switchboard.engine.cache;

/**
 * Turns a sentence into a vector for the semantic cache: similar meanings, nearby vectors. The
 * engine finds one with {@link java.util.ServiceLoader} when its builder is given none (the {@code
 * switchboard-semantic} module provides a small model that runs in process); without one, {@code
 * "mode": "semantic"} matches exactly.
 *
 * <p>Implementations are thread-safe and may load their model on first use.
 */
public interface SentenceEmbedder {

  /** A short name for logs and health, e.g. {@code all-minilm-l6-v2-q}. */
  String name();

  /** The sentence's embedding, of unit length (so that a dot product is the cosine similarity). */
  float[] embed(String text);
}
