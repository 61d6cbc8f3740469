package dev.switchboard.referee;

import java.util.ArrayList;
import java.util.List;

/** The events of a server-sent event stream, as a referee reads them. */
final class Sse {
  /** One event: its {@code event:} name (or {@code null}) and its {@code data:}. */
  record Event(String name, String data) {}

  private Sse() {}

  /** Every event of {@code body}, in order. */
  static List<Event> events(String body) {
    List<Event> events = new ArrayList<>();
    String name = null;
    StringBuilder data = null;
    for (String line : body.split("\r?\n", -1)) {
      if (line.isEmpty()) {
        if (data != null) {
          events.add(new Event(name, data.toString()));
        }
        name = null;
        data = null;
      } else if (line.startsWith("event:")) {
        name = line.substring(6).strip();
      } else if (line.startsWith("data:")) {
        String value = line.substring(5);
        value = value.startsWith(" ") ? value.substring(1) : value;
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    if (data != null) {
      events.add(new Event(name, data.toString()));
    }
    return events;
  }

  /** The {@code data:} of every event of {@code body}, in order. */
  static List<String> data(String body) {
    return events(body).stream().map(Event::data).toList();
  }
}
