package dev.switchboard.observe.store;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.Locale;

/**
 * Why the store refused a batch, in a word an operator can act on, for {@code /v1/health}, metrics
 * and the log. It keeps the kind and the SQL state only, never the exception's message: a driver's
 * message may name the server, and a JDBC URL may carry a password.
 *
 * <p>Kinds: {@code unavailable} (no connection: the database is down, unreachable or refusing
 * connections), {@code timeout} (a connection or statement took too long), {@code locked} (the
 * embedded file is held by another process), {@code storage_full}, {@code schema} (a table or
 * column is missing or different), {@code data} (a value the table refused), {@code other}.
 *
 * @param kind one of the kinds above
 * @param sqlState the five-character SQL state, when the driver gave one
 * @param at when the store refused
 */
public record StoreError(String kind, String sqlState, Instant at) {

  /** Classifies a failure of {@link LogStore#write}. */
  public static StoreError of(Throwable failure, Instant at) {
    String sqlState = sqlState(failure);
    return new StoreError(kind(failure, sqlState), sqlState, at);
  }

  private static String kind(Throwable failure, String sqlState) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLTimeoutException || cause instanceof SocketTimeoutException) {
        return "timeout";
      }
      if (cause instanceof SQLTransientConnectionException
          || cause instanceof SQLNonTransientConnectionException
          || cause instanceof ConnectException
          || cause instanceof UnknownHostException
          || cause instanceof EOFException
          || cause instanceof SocketException) {
        return "unavailable";
      }
      String message = cause.getMessage() == null ? "" : cause.getMessage();
      if (message.contains("Could not set lock on file")) {
        return "locked";
      }
      if (message.toLowerCase(Locale.ROOT).contains("no space left")) {
        return "storage_full";
      }
      if (cause == cause.getCause()) {
        break;
      }
    }
    if (sqlState == null) {
      return "other";
    }
    return switch (sqlState.length() >= 2 ? sqlState.substring(0, 2) : sqlState) {
      case "08" -> "unavailable";
      case "57" -> sqlState.equals("57014") ? "timeout" : "unavailable"; // cancelled, shut down
      case "53" -> "storage_full";
      case "42" -> "schema";
      case "22", "23" -> "data";
      default -> "other";
    };
  }

  private static String sqlState(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
      if (cause == cause.getCause()) {
        break;
      }
    }
    return null;
  }
}
