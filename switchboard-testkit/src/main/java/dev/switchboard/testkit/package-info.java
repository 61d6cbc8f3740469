/**
 * Faithful fakes of model providers, for tests: each binds 127.0.0.1 on an ephemeral port, speaks
 * its provider's published wire format exactly (field names, SSE or AWS event-stream framing, event
 * order, error bodies, status codes, and for AWS the SigV4 signature it verifies), records what it
 * receives, and injects faults on demand. They are fakes, named so; they share no code with the
 * gateway, so a translation bug cannot hide in both.
 */
package dev.switchboard.testkit;
