package dev.switchboard.state;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * A response the gateway keeps: the {@code response} object as the client was answered (or, for a
 * background response still running, as it stands), and what it was made from.
 *
 * @param id the response's id ({@code resp_…})
 * @param workspace the workspace of the caller that created it ({@code ""} for a caller without a
 *     gateway key)
 * @param createdAt when it was stored first
 * @param response the {@code response} object
 * @param input the request's new input as items, as sent (a string input as one user message)
 * @param inputItems the same items as {@code GET …/input_items} lists them, each with an id
 * @param context the earlier conversation the request continued ({@code previous_response_id}'s
 *     context, input and output), laid before {@code input} when it was sent
 */
public record StoredResponse(
    String id,
    String workspace,
    Instant createdAt,
    ObjectNode response,
    ArrayNode input,
    ArrayNode inputItems,
    ArrayNode context) {

  /** The conversation a request continuing this one carries: context, input, then output. */
  public ArrayNode conversation() {
    ArrayNode items = context.deepCopy();
    items.addAll(input.deepCopy());
    if (response.path("output").isArray()) {
      items.addAll((ArrayNode) response.get("output").deepCopy());
    }
    return items;
  }

  /** Whether it was created with {@code background: true}. */
  public boolean background() {
    return response.path("background").asBoolean(false);
  }

  /** Its {@code status} ({@code completed}, {@code queued}, {@code in_progress}, …). */
  public String status() {
    return response.path("status").asText("");
  }

  /** This response with another {@code response} object. */
  public StoredResponse withResponse(ObjectNode next) {
    return new StoredResponse(id, workspace, createdAt, next, input, inputItems, context);
  }
}
