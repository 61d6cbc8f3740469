package dev.switchboard.bench;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One row of a soak run's samples, as written to its CSV: the gateway process and what the clients
 * and the request log had done by then.
 *
 * @param minutes since the traffic began
 * @param rssMib resident memory
 * @param heapAfterGcMib heap in use right after a forced full collection
 * @param threads the process's (platform) threads
 * @param openFiles its open file descriptors
 * @param forcedGcMillis how long the {@code jcmd} call that forced the collection took
 * @param calls client calls ended so far, errors included
 * @param errors client calls that got anything but the expected answer
 * @param logAccepted records the request log took
 * @param logWritten records it stored
 * @param logDropped records it dropped
 * @param logQueued records waiting to be stored
 */
@JsonPropertyOrder({
  "minutes",
  "rssMib",
  "heapAfterGcMib",
  "threads",
  "openFiles",
  "forcedGcMillis",
  "calls",
  "errors",
  "logAccepted",
  "logWritten",
  "logDropped",
  "logQueued"
})
record SoakSample(
    double minutes,
    double rssMib,
    double heapAfterGcMib,
    long threads,
    long openFiles,
    double forcedGcMillis,
    long calls,
    long errors,
    long logAccepted,
    long logWritten,
    long logDropped,
    long logQueued) {}
