package dev.switchboard.observe.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.switchboard.engine.errors.InvalidRequestException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request log exported as a file ({@code GET /v1/logs/export}): CSV (RFC 4180, a header row of
 * {@link RecordJson#FIELDS}, CRLF line ends, quoted as needed by Jackson's CSV writer; {@code
 * metadata} and {@code attempts} as JSON text in their cells) or JSON Lines (one record's JSON a
 * line). Written record by record as the store reads them.
 *
 * <p>A text cell that a spreadsheet would take as a formula (starting with {@code =}, {@code +},
 * {@code -}, {@code @}, a tab or a carriage return) is prefixed with {@code '}, as OWASP advises
 * against CSV injection: metadata and model names come from clients.
 */
public final class LogExport {
  /** The file formats. */
  public enum Format {
    CSV("text/csv; charset=utf-8", "csv"),
    JSONL("application/x-ndjson", "jsonl");

    private final String contentType;
    private final String extension;

    Format(String contentType, String extension) {
      this.contentType = contentType;
      this.extension = extension;
    }

    public String contentType() {
      return contentType;
    }

    public String extension() {
      return extension;
    }
  }

  /**
   * An export's question: the filter of {@code GET /v1/logs}, {@code format} ({@code csv} or {@code
   * jsonl}) and {@code limit} (default and most: {@link LogSearch#EXPORT_MAX_ROWS}).
   */
  public record Request(LogFilter filter, Format format, int limit) {
    /**
     * @throws InvalidRequestException naming the bad parameter
     */
    public static Request parse(Map<String, List<String>> query) {
      Parameters parameters = new Parameters(query);
      LogFilter filter = LogFilter.parse(parameters);
      String format = parameters.text("format");
      int limit =
          parameters.integer("limit", LogSearch.EXPORT_MAX_ROWS, 1, LogSearch.EXPORT_MAX_ROWS);
      parameters.refuseOthers();
      if (format == null) {
        throw Parameters.invalid("format", "'format' is required: csv or jsonl.");
      }
      return switch (format.toLowerCase(Locale.ROOT)) {
        case "csv" -> new Request(filter, Format.CSV, limit);
        case "jsonl" -> new Request(filter, Format.JSONL, limit);
        default -> throw Parameters.invalid("format", "'format' must be csv or jsonl.");
      };
    }
  }

  private static final CsvMapper CSV = new CsvMapper();

  private static final CsvSchema SCHEMA =
      CsvSchema.builder()
          .addColumns(RecordJson.FIELDS, CsvSchema.ColumnType.STRING)
          .setUseHeader(false)
          .setLineSeparator("\r\n")
          .setNullValue("")
          .build();

  private LogExport() {}

  /** Writes {@code request}'s records from {@code search} to {@code out}; returns how many. */
  public static long write(LogSearch search, Request request, OutputStream out)
      throws java.sql.SQLException, IOException {
    if (request.format() == Format.JSONL) {
      return search.export(
          request.filter(),
          request.limit(),
          record -> {
            out.write(RecordJson.write(record));
            out.write('\n');
          });
    }
    // Rows go out as the buffer under them fills, not one network write a row.
    try (SequenceWriter rows =
        CSV.writer(SCHEMA)
            .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
            .writeValues(nonClosing(out))) {
      // The header row is written as a row, so a file with no record still has it.
      rows.write(RecordJson.FIELDS);
      return search.export(request.filter(), request.limit(), record -> rows.write(cells(record)));
    }
  }

  /** A record's cells, in {@link RecordJson#FIELDS} order. */
  static List<String> cells(ObjectNode record) {
    List<String> cells = new ArrayList<>(RecordJson.FIELDS.size());
    for (String field : RecordJson.FIELDS) {
      JsonNode value = record.get(field);
      if (value == null || value.isNull()) {
        cells.add(null);
      } else if (value.isContainerNode()) {
        cells.add(new String(RecordJson.write(value), StandardCharsets.UTF_8));
      } else if (value.isBigDecimal()) {
        cells.add(value.decimalValue().toPlainString());
      } else if (value.isTextual()) {
        cells.add(guarded(value.asText()));
      } else {
        cells.add(value.asText());
      }
    }
    return cells;
  }

  /** {@code text}, with a {@code '} in front if a spreadsheet would run it as a formula. */
  static String guarded(String text) {
    if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
      return "'" + text;
    }
    return text;
  }

  /** {@code out}, except that closing it only flushes: the caller owns the stream. */
  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }
}
