package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.RequestOptions;

/**
 * One client request as the request stages receive it: what the client asked and with which
 * options, immutable. A stage that learns something about the request writes it into the request's
 * {@link Journal}, never onto this value; a stage that must tell the stages below something new
 * proceeds with a changed copy ({@link #withId}).
 *
 * @param operation what the client asked, as it asked it
 * @param options the request's gateway options (Portkey's headers)
 * @param id the gateway's id of the request ({@code x-switchboard-request-id}), once the
 *     observation stage gave it one; else {@code null}
 * @param journal the request's log, which each stage writes its own facts into
 * @param shadow what this request mirrors, for a shadow request the gateway made itself; {@code
 *     null} for a client's request
 */
public record Request(
    Operation operation, RequestOptions options, String id, Journal journal, Shadow shadow) {

  /** A new request, without an id yet, with an empty log. */
  public static Request of(Operation operation, RequestOptions options) {
    return new Request(operation, options, null, new Journal(), null);
  }

  /** A new shadow request mirroring a client's, with an empty log of its own. */
  public static Request shadowOf(Operation operation, RequestOptions options, Shadow shadow) {
    return new Request(operation, options, null, new Journal(), shadow);
  }

  /** This request under the gateway's id. */
  public Request withId(String requestId) {
    return new Request(operation, options, requestId, journal, shadow);
  }

  /** This request asking {@code changed} instead. */
  public Request withOperation(Operation changed) {
    return new Request(changed, options, id, journal, shadow);
  }

  /** Whether the gateway made this request as a shadow of a client's. */
  public boolean isShadow() {
    return shadow != null;
  }
}
