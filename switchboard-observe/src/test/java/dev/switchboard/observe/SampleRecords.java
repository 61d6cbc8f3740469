package dev.switchboard.observe;

import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Request records as the tests of the request log store them. */
public final class SampleRecords {
  private SampleRecords() {}

  /**
   * A successful chat request of one attempt, started now, whose metadata names its team; its
   * stored size depends on the team's name only by that name's length.
   */
  public static RequestRecord chat(String team) {
    Instant now = Instant.now();
    return new RequestRecord(
        UUID.randomUUID().toString(),
        "trace-" + team,
        null,
        now,
        "POST",
        "/v1/chat/completions",
        null,
        null,
        null,
        "gpt-4o-mini",
        "openai",
        "gpt-4o-mini",
        "config",
        0,
        false,
        "DISABLED",
        null,
        200,
        null,
        10,
        5,
        0,
        new BigDecimal("0.002"),
        null,
        12.5,
        null,
        false,
        null,
        Map.of("team", team),
        null,
        List.of(
            new AttemptRecord(
                0, "openai", "gpt-4o-mini", "config", 0, now, 11.0, 200, null, "DISABLED", 0)),
        null,
        null,
        null,
        List.of(),
        null,
        null);
  }
}
