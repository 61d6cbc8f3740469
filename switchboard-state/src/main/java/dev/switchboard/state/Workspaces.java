package dev.switchboard.state;

import dev.switchboard.engine.pipeline.Request;

/**
 * The workspace a stored response belongs to: the caller's, as the access layer admitted it, or
 * {@value #NONE} for a caller without a gateway key (access off, or keys not required), which is no
 * workspace's: a key of the {@code default} workspace does not see what anonymous callers stored,
 * nor the other way round.
 */
final class Workspaces {
  /** The workspace of callers without a gateway key. */
  static final String NONE = "";

  private Workspaces() {}

  /** The workspace of the caller of {@code request}, once admission ran. */
  static String of(Request request) {
    // The caller the access stage wrote into the log: conversation state is no stage of the
    // engine's, and the workspace is its whole scope, so it reads it as the record does.
    return of(request.journal().workspace());
  }

  /** {@code workspace}, or {@value #NONE} for none. */
  static String of(String workspace) {
    return workspace == null ? NONE : workspace;
  }
}
