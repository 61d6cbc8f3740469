package dev.switchboard.semantic;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.switchboard.engine.cache.SentenceEmbedder;

/**
 * The semantic cache's embedder: all-MiniLM-L6-v2, quantized (384 dimensions), shipped inside its
 * Maven artifact and run in process on ONNX Runtime, with no service to call. The model is loaded
 * on first use (about a second), so a gateway that never caches semantically never loads it.
 * Thread-safe.
 */
public final class MiniLmSentenceEmbedder implements SentenceEmbedder {
  private volatile EmbeddingModel model;

  /** For {@link java.util.ServiceLoader}. */
  public MiniLmSentenceEmbedder() {}

  @Override
  public String name() {
    return "all-minilm-l6-v2-q";
  }

  @Override
  public float[] embed(String text) {
    float[] vector = model().embed(text).content().vector();
    double norm = 0;
    for (float value : vector) {
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) {
      for (int i = 0; i < vector.length; i++) {
        vector[i] = (float) (vector[i] / norm);
      }
    }
    return vector;
  }

  private EmbeddingModel model() {
    EmbeddingModel loaded = model;
    if (loaded == null) {
      synchronized (this) {
        loaded = model;
        if (loaded == null) {
          loaded = new AllMiniLmL6V2QuantizedEmbeddingModel();
          model = loaded;
        }
      }
    }
    return loaded;
  }
}
