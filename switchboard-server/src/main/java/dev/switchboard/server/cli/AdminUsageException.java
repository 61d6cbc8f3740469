package dev.switchboard.server.cli;

/** The admin command was not used as its help says; exit code 2, the message says what. */
final class AdminUsageException extends RuntimeException {
  AdminUsageException(String message) {
    super(message, null, false, false);
  }
}
