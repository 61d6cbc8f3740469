package dev.switchboard.engine.observe;

/**
 * Where request records go: the request log, metrics, traces. Called on the request's thread once
 * the request is over, so an implementation must be quick and must not throw (a sink that fails
 * counts its failure; the request's answer is never affected).
 */
@FunctionalInterface
public interface RecordSink {
  void accept(RequestRecord record);
}
