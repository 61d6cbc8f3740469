package dev.switchboard.mcp.oauth;

/**
 * Gives the access token an upstream request carries, refreshed before it expires; told when the
 * server refused one (401), so that the next request carries a new one.
 */
public interface BearerSource {

  /**
   * The access token to send now.
   *
   * @throws AuthorizationRequiredException when there is none and the caller must authorize
   * @throws IllegalStateException when the authorization server cannot be reached or refuses
   */
  String bearer();

  /** The server answered 401 to a request that carried {@code token}. */
  void rejected(String token);
}
