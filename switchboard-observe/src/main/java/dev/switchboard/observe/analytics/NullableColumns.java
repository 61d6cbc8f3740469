package dev.switchboard.observe.analytics;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Reading a column that may be SQL NULL: JDBC's {@code getLong}, {@code getInt} and {@code
 * getDouble} answer 0 for NULL, so each read is followed by {@link ResultSet#wasNull()}.
 */
final class NullableColumns {
  private NullableColumns() {}

  /** The column's value at {@code row}'s cursor, or {@code null} for SQL NULL. */
  static Long nullableLong(ResultSet row, int column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }

  /** The column's value at {@code row}'s cursor, or {@code null} for SQL NULL. */
  static Integer nullableInt(ResultSet row, int column) throws SQLException {
    int value = row.getInt(column);
    return row.wasNull() ? null : value;
  }

  /** The column's value at {@code row}'s cursor, or {@code null} for SQL NULL. */
  static Double nullableDouble(ResultSet row, int column) throws SQLException {
    double value = row.getDouble(column);
    return row.wasNull() ? null : value;
  }
}
