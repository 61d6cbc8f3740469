package dev.switchboard.server.access;

import java.util.ArrayList;
import java.util.List;

/** A short text table printed to stdout: the figures each test reports. */
final class ReportTable {
  private final String title;
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  ReportTable(String title, String... header) {
    this.title = title;
    this.header = List.of(header);
  }

  ReportTable row(Object... cells) {
    List<String> row = new ArrayList<>();
    for (Object cell : cells) {
      row.add(String.valueOf(cell));
    }
    rows.add(row);
    return this;
  }

  String render() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        if (i < row.size()) {
          widths[i] = Math.max(widths[i], row.get(i).length());
        }
      }
    }
    StringBuilder out = new StringBuilder("\n== ").append(title).append('\n');
    line(out, header, widths);
    StringBuilder rule = new StringBuilder();
    for (int width : widths) {
      rule.append("-".repeat(width)).append("  ");
    }
    out.append(rule.toString().stripTrailing()).append('\n');
    for (List<String> row : rows) {
      line(out, row, widths);
    }
    return out.toString();
  }

  void print() {
    System.out.print(render());
    System.out.flush();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String cell = i < cells.size() ? cells.get(i) : "";
      line.append(cell).append(" ".repeat(widths[i] - cell.length())).append("  ");
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
