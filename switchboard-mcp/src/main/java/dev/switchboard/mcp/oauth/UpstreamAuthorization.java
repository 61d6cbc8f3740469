package dev.switchboard.mcp.oauth;

import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.ClientCredentialsGrant;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2.1 toward the upstream MCP servers that require it, as the MCP authorization specification
 * (2025-06-18) has a client do: discovery from the server (RFC 9728, RFC 8414), RFC 8707's {@code
 * resource} on every request, PKCE (S256) for the authorization code.
 *
 * <ul>
 *   <li><b>Shared</b> servers: the gateway's own token from the client-credentials grant ({@link
 *       #shared}), fetched again before it expires and when the server refuses it.
 *   <li><b>Per-user</b> servers: each caller's own token ({@link #perUser}), which the caller gets
 *       by visiting {@link #link} (a one-time ticket), which {@link #begin} sends to the
 *       authorization server, which sends the user back to {@link #CALLBACK_PATH}, where {@link
 *       #complete} exchanges the code. Kept per (server, caller) in the {@link UpstreamTokenStore},
 *       refreshed with the refresh token; never used for another caller.
 * </ul>
 *
 * No token, client secret, code or verifier is written to a log or an error message.
 */
public final class UpstreamAuthorization {
  private static final Logger log = LoggerFactory.getLogger(UpstreamAuthorization.class);

  /** Where the authorization server sends the user back. */
  public static final String CALLBACK_PATH = "/v1/mcp/oauth/callback";

  /** A token this close to its expiry is refreshed before it is sent. */
  static final Duration EXPIRY_MARGIN = Duration.ofSeconds(30);

  /** How long a link or an authorization in progress is good for. */
  static final Duration PENDING_LIFETIME = Duration.ofMinutes(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  private record Declared(String name, URI url, OAuthSettings settings, TokenEndpoint endpoint) {}

  private record Ticket(String server, String caller, Instant expires) {}

  private record Pending(
      String server, String caller, CodeVerifier verifier, URI redirect, Instant expires) {}

  private final Map<String, Declared> servers = new ConcurrentHashMap<>();
  private final Map<String, Discovery.Found> discovered = new ConcurrentHashMap<>();
  private final Map<String, Ticket> tickets = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, SharedBearer> shared = new ConcurrentHashMap<>();
  private final Map<String, PerUserBearer> perUser = new ConcurrentHashMap<>();
  private final UpstreamTokenStore store;
  private final Function<String, String> vault;
  private final Clock clock;
  private final Discovery discovery;
  private volatile URI baseUri;

  /**
   * @param store where the per-user tokens are kept
   * @param vault a virtual key's credential by its name (a client secret kept in the vault)
   */
  public UpstreamAuthorization(
      UpstreamTokenStore store, Function<String, String> vault, Clock clock) {
    this.store = store;
    this.vault = vault;
    this.clock = clock;
    this.discovery =
        new Discovery(
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
  }

  /** Declares a server that requires OAuth, its MCP endpoint at {@code url}. */
  public void register(String name, URI url, OAuthSettings settings) {
    Supplier<String> secret =
        settings.clientSecret() != null
            ? settings::clientSecret
            : settings.clientSecretVirtualKey() != null
                ? () -> vault.apply(settings.clientSecretVirtualKey())
                : null;
    servers.put(
        name,
        new Declared(name, url, settings, new TokenEndpoint(settings.clientId(), secret, clock)));
  }

  /** Whether {@code server} is declared with per-user authorization. */
  public boolean perUser(String server) {
    Declared declared = servers.get(server);
    return declared != null && declared.settings().mode() == OAuthSettings.Mode.PER_USER;
  }

  /** The gateway's address, for the links it gives and its default redirect URI. */
  public void baseUri(URI baseUri) {
    this.baseUri = baseUri;
  }

  /** The path that starts a caller's authorization for {@code server}. */
  public static String authorizePath(String server) {
    return "/v1/mcp/oauth/" + server + "/authorize";
  }

  /** The gateway's own token for a shared server. */
  public BearerSource shared(String server) {
    return shared.computeIfAbsent(server, name -> new SharedBearer(declared(name)));
  }

  /** The token of {@code caller} for a per-user server; never another caller's. */
  public BearerSource perUser(String server, String caller) {
    return perUser.computeIfAbsent(
        server + " " + caller, key -> new PerUserBearer(declared(server), caller));
  }

  /** Whether {@code caller} holds a token for {@code server}. */
  public boolean authorized(String server, String caller) {
    return store.load(server, caller).isPresent();
  }

  /**
   * What a caller without a token is told: an {@link AuthorizationRequiredException} whose link (a
   * one-time ticket, good for ten minutes) starts its authorization.
   */
  public AuthorizationRequiredException required(String server, String caller) {
    Instant now = clock.instant();
    tickets.values().removeIf(ticket -> ticket.expires().isBefore(now));
    String ticket = randomToken();
    tickets.put(ticket, new Ticket(server, caller, now.plus(PENDING_LIFETIME)));
    String path = authorizePath(server) + "?ticket=" + ticket;
    URI base = baseUri;
    return new AuthorizationRequiredException(
        server, base == null ? URI.create(path) : base.resolve(path));
  }

  /**
   * Starts a caller's authorization: the URL of the authorization server's authorization endpoint
   * to send the user's browser to.
   *
   * @param ticket the link's ticket (a browser has no gateway key), or {@code null}
   * @param caller the caller its gateway key names, when the request carried one; else {@code null}
   * @param requestBase the gateway's address as the request reached it (the redirect URI's, when
   *     neither the settings nor {@link #baseUri} name one)
   * @throws IllegalArgumentException when the server is not per-user, or the ticket is unknown or
   *     spent and no caller is given
   * @throws IllegalStateException when the authorization server cannot be discovered
   */
  public URI begin(String server, String ticket, String caller, URI requestBase) {
    if (!perUser(server)) {
      throw new IllegalArgumentException(
          "The MCP server '" + server + "' does not take per-user authorization.");
    }
    Instant now = clock.instant();
    String who = caller;
    if (ticket != null) {
      Ticket found = tickets.remove(ticket);
      if (found == null || !found.server().equals(server) || found.expires().isBefore(now)) {
        throw new IllegalArgumentException(
            "This authorization link is unknown, used or expired: call the tool again for a new"
                + " one.");
      }
      who = found.caller();
    }
    if (who == null) {
      throw new IllegalArgumentException(
          "An authorization needs the link a tool call gave, or a gateway key.");
    }
    Declared declared = declared(server);
    Discovery.Found found = found(declared);
    if (found.metadata().getAuthorizationEndpointURI() == null) {
      throw new IllegalStateException(
          "the authorization server of '" + server + "' has no authorization endpoint");
    }
    URI base = baseUri != null ? baseUri : requestBase;
    URI redirect =
        declared.settings().redirectUri() != null
            ? declared.settings().redirectUri()
            : base.resolve(CALLBACK_PATH);
    CodeVerifier verifier = new CodeVerifier();
    State state = new State();
    pending.values().removeIf(entry -> entry.expires().isBefore(now));
    pending.put(
        state.getValue(), new Pending(server, who, verifier, redirect, now.plus(PENDING_LIFETIME)));
    AuthorizationRequest.Builder request =
        new AuthorizationRequest.Builder(
                ResponseType.CODE, new ClientID(declared.settings().clientId()))
            .endpointURI(found.metadata().getAuthorizationEndpointURI())
            .redirectionURI(redirect)
            .state(state)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .resource(found.resource());
    List<String> scopes = scopes(declared, found);
    if (!scopes.isEmpty()) {
      request.scope(new Scope(scopes.toArray(String[]::new)));
    }
    return request.build().toURI();
  }

  /**
   * Finishes an authorization at the callback: exchanges the code (with its PKCE verifier) for the
   * caller's tokens and keeps them.
   *
   * @param error the authorization server's {@code error}, when it answered with one
   * @return the server the caller authorized
   * @throws IllegalArgumentException when the state is unknown or spent, or the authorization
   *     server refused
   */
  public String complete(String state, String code, String error) {
    Pending started = state == null ? null : pending.remove(state);
    if (started == null || started.expires().isBefore(clock.instant())) {
      throw new IllegalArgumentException(
          "This authorization is unknown, finished or expired: start it again from the link.");
    }
    if (error != null) {
      throw new IllegalArgumentException(
          "The authorization server did not authorize the gateway ("
              + URLEncoder.encode(error, StandardCharsets.UTF_8)
              + ").");
    }
    if (code == null) {
      throw new IllegalArgumentException("The authorization server sent no code.");
    }
    Declared declared = declared(started.server());
    Discovery.Found found = found(declared);
    TokenSet tokens;
    try {
      tokens =
          declared
              .endpoint()
              .request(
                  found,
                  new AuthorizationCodeGrant(
                      new AuthorizationCode(code), started.redirect(), started.verifier()),
                  List.of(),
                  null);
    } catch (TokenEndpoint.Refused refused) {
      throw new IllegalArgumentException(refused.getMessage() + ".");
    }
    store.save(started.server(), started.caller(), tokens);
    log.info("MCP server {}: a caller authorized (key {})", started.server(), started.caller());
    return started.server();
  }

  /**
   * Forgets {@code caller}'s tokens for {@code server}: its next call needs a new authorization.
   *
   * @return whether it held any
   */
  public boolean revoke(String server, String caller) {
    return store.delete(server, caller);
  }

  private Declared declared(String server) {
    Declared declared = servers.get(server);
    if (declared == null) {
      throw new IllegalArgumentException("No MCP server '" + server + "' takes OAuth.");
    }
    return declared;
  }

  private Discovery.Found found(Declared declared) {
    Discovery.Found found = discovered.get(declared.name());
    if (found == null) {
      found = discovery.discover(declared.url());
      discovered.put(declared.name(), found);
    }
    return found;
  }

  private static List<String> scopes(Declared declared, Discovery.Found found) {
    return declared.settings().scopes().isEmpty()
        ? found.scopesSupported()
        : declared.settings().scopes();
  }

  private static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The gateway's own token (client credentials), fetched again near its expiry or on a 401. */
  private final class SharedBearer implements BearerSource {
    private final Declared declared;
    private TokenSet current;

    SharedBearer(Declared declared) {
      this.declared = declared;
    }

    @Override
    public synchronized String bearer() {
      if (current == null || current.expiresBefore(clock.instant().plus(EXPIRY_MARGIN))) {
        Discovery.Found found = found(declared);
        TokenSet refreshed = null;
        if (current != null && current.refreshToken() != null) {
          try {
            refreshed =
                declared
                    .endpoint()
                    .request(
                        found,
                        new RefreshTokenGrant(new RefreshToken(current.refreshToken())),
                        List.of(),
                        current.refreshToken());
          } catch (TokenEndpoint.Refused refused) {
            refreshed = null; // a new client-credentials grant instead
          }
        }
        if (refreshed == null) {
          try {
            refreshed =
                declared
                    .endpoint()
                    .request(found, new ClientCredentialsGrant(), scopes(declared, found), null);
          } catch (TokenEndpoint.Refused refused) {
            throw new IllegalStateException(
                "the gateway could not get a token for '"
                    + declared.name()
                    + "': "
                    + refused.getMessage());
          }
        }
        current = refreshed;
      }
      return current.accessToken();
    }

    @Override
    public synchronized void rejected(String token) {
      if (current != null && current.accessToken().equals(token)) {
        current = null;
      }
    }
  }

  /** One caller's token for one per-user server, read from the store, refreshed there. */
  private final class PerUserBearer implements BearerSource {
    private final Declared declared;
    private final String caller;

    PerUserBearer(Declared declared, String caller) {
      this.declared = declared;
      this.caller = caller;
    }

    @Override
    public synchronized String bearer() {
      String server = declared.name();
      TokenSet tokens = store.load(server, caller).orElseThrow(() -> required(server, caller));
      if (!tokens.expiresBefore(clock.instant().plus(EXPIRY_MARGIN))) {
        return tokens.accessToken();
      }
      if (tokens.refreshToken() == null) {
        store.delete(server, caller);
        throw required(server, caller);
      }
      TokenSet refreshed;
      try {
        refreshed =
            declared
                .endpoint()
                .request(
                    found(declared),
                    new RefreshTokenGrant(new RefreshToken(tokens.refreshToken())),
                    List.of(),
                    tokens.refreshToken());
      } catch (TokenEndpoint.Refused refused) {
        // The refresh token was revoked or expired: the caller authorizes again.
        store.delete(server, caller);
        throw required(server, caller);
      }
      store.save(server, caller, refreshed);
      return refreshed.accessToken();
    }

    @Override
    public synchronized void rejected(String token) {
      String server = declared.name();
      store
          .load(server, caller)
          .filter(tokens -> tokens.accessToken().equals(token))
          .ifPresent(tokens -> {
            if (tokens.refreshToken() == null) {
              store.delete(server, caller);
            } else {
              store.save(server, caller, new TokenSet(token, tokens.refreshToken(), Instant.EPOCH));
            }
          });
    }
  }
}
