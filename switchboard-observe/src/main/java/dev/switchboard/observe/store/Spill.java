package dev.switchboard.observe.store;

import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32;

/**
 * The request log's overflow on disk: records the queue had no room for, appended to one file
 * ({@code requests.spill} in the data directory) and read back, oldest first, when the store
 * catches up. Bounded in bytes: a record that does not fit is refused (and the log counts it as
 * dropped).
 *
 * <p>Each record is a frame: its length, a CRC-32 of it, and the record's fields in a compact
 * binary form. The file is only appended to (by the log's spill thread) and read from (by its
 * writer thread), and emptied (truncated) when everything in it has been read and stored. A frame
 * written is in the operating system's cache at once, so it survives the process being killed; a
 * frame cut short by a kill, or damaged, ends the file when it is next opened (it and what follows
 * are discarded). A file left by a previous run is read back first: its records are written again,
 * and the store skips those it already has.
 */
final class Spill implements AutoCloseable {
  private static final int HEADER = Integer.BYTES * 2;

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final long capacityBytes;
  private final ReentrantLock appending = new ReentrantLock();

  /** Where the next frame is appended: the end of the frames written. */
  private volatile long end;

  /** The next frame the writer reads; only the writer thread moves it. */
  private long readOffset;

  /** Records in the file not yet read back and stored. */
  private volatile long pending;

  /** Frames below this offset were left by a previous run. */
  private long recoveredEnd;

  private Spill(Path file, FileChannel channel, FileLock lock, long capacityBytes)
      throws IOException {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.capacityBytes = capacityBytes;
    long offset = 0;
    long frames = 0;
    long size = channel.size();
    while (true) {
      int length = frameLength(offset, size);
      if (length < 0) {
        break;
      }
      offset += HEADER + length;
      frames++;
    }
    if (offset < size) {
      channel.truncate(offset); // a frame cut short by a kill, or damaged: it and what follows
    }
    this.end = offset;
    this.recoveredEnd = offset;
    this.pending = frames;
  }

  /**
   * Opens (or creates) the spill file and locks it for this process.
   *
   * @return the spill, or {@code null} when another process (or another log in this one) holds it
   */
  static Spill open(Path file, long capacityBytes) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException held) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      return null;
    }
    try {
      return new Spill(file, channel, lock, capacityBytes);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  Path file() {
    return file;
  }

  /** Records waiting in the file. */
  long pending() {
    return pending;
  }

  /** Bytes the file holds now (read or not: it is emptied when all of it was stored). */
  long bytes() {
    return end;
  }

  long capacityBytes() {
    return capacityBytes;
  }

  /**
   * Appends records, oldest first, as far as the capacity allows.
   *
   * @return how many were appended (the first ones); the others did not fit
   */
  int append(List<RequestRecord> records) throws IOException {
    ByteArrayOutputStream frames = new ByteArrayOutputStream(records.size() * 512);
    int fitted = 0;
    appending.lock();
    try {
      long room = capacityBytes - end;
      for (RequestRecord record : records) {
        byte[] payload = encode(record);
        if (frames.size() + HEADER + payload.length > room) {
          break;
        }
        CRC32 crc = new CRC32();
        crc.update(payload);
        DataOutputStream header = new DataOutputStream(frames);
        header.writeInt(payload.length);
        header.writeInt((int) crc.getValue());
        frames.write(payload);
        fitted++;
      }
      ByteBuffer buffer = ByteBuffer.wrap(frames.toByteArray());
      long position = end;
      while (buffer.hasRemaining()) {
        position += channel.write(buffer, position);
      }
      end = position;
      pending += fitted;
    } finally {
      appending.unlock();
    }
    return fitted;
  }

  /** What {@link #read} found: the records, and where the frames after them begin. */
  record Chunk(List<RequestRecord> records, int recovered, long nextOffset) {}

  /** Reads up to {@code most} records after those already stored, without consuming them. */
  Chunk read(int most) throws IOException {
    List<RequestRecord> records = new ArrayList<>(Math.min(most, 1024));
    long offset = readOffset;
    long limit = end;
    int recovered = 0;
    while (records.size() < most && offset < limit) {
      int length = frameLength(offset, limit);
      if (length < 0) {
        break;
      }
      ByteBuffer payload = ByteBuffer.allocate(length);
      readFully(payload, offset + HEADER);
      records.add(decode(payload.array()));
      if (offset < recoveredEnd) {
        recovered++;
      }
      offset += HEADER + length;
    }
    return new Chunk(records, recovered, offset);
  }

  /** The records of {@code chunk} are stored: moves past them, and empties a file read whole. */
  void consumed(Chunk chunk) throws IOException {
    readOffset = chunk.nextOffset();
    appending.lock();
    try {
      pending -= chunk.records().size();
      if (readOffset == end) {
        channel.truncate(0);
        end = 0;
        readOffset = 0;
        recoveredEnd = 0;
        pending = 0;
      }
    } finally {
      appending.unlock();
    }
  }

  /** The length of the whole, intact frame at {@code offset}, or {@code -1}. */
  private int frameLength(long offset, long limit) throws IOException {
    if (offset + HEADER > limit) {
      return -1;
    }
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    readFully(header, offset);
    int length = header.getInt(0);
    int checksum = header.getInt(Integer.BYTES);
    if (length <= 0 || offset + HEADER + length > limit) {
      return -1;
    }
    ByteBuffer payload = ByteBuffer.allocate(length);
    readFully(payload, offset + HEADER);
    CRC32 crc = new CRC32();
    crc.update(payload.array());
    return (int) crc.getValue() == checksum ? length : -1;
  }

  private void readFully(ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new IOException("the spill file " + file + " ended early");
      }
      at += read;
    }
    buffer.flip();
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }

  // The record's fields in the order of its components; a reference that may be null is preceded
  // by a flag. Only this class reads what it wrote, within one version's file format.

  static byte[] encode(RequestRecord record) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.writeByte(FORMAT);
      text(out, record.id());
      text(out, record.traceId());
      text(out, record.traceparent());
      out.writeLong(record.startedAt().getEpochSecond());
      out.writeInt(record.startedAt().getNano());
      text(out, record.method());
      text(out, record.path());
      text(out, record.workspace());
      text(out, record.apiKeyId());
      text(out, record.config());
      text(out, record.requestModel());
      text(out, record.provider());
      text(out, record.model());
      text(out, record.optionPath());
      out.writeInt(record.retries());
      out.writeBoolean(record.fallbackUsed());
      text(out, record.cacheStatus());
      optionalLong(out, record.cacheAgeSeconds());
      out.writeInt(record.status());
      text(out, record.errorType());
      optionalLong(out, record.promptTokens() == null ? null : (long) record.promptTokens());
      optionalLong(
          out, record.completionTokens() == null ? null : (long) record.completionTokens());
      optionalLong(out, record.cachedTokens() == null ? null : (long) record.cachedTokens());
      text(out, record.costUsd() == null ? null : record.costUsd().toString());
      text(out, record.savedCostUsd() == null ? null : record.savedCostUsd().toString());
      out.writeDouble(record.latencyMs());
      out.writeBoolean(record.ttftMs() != null);
      if (record.ttftMs() != null) {
        out.writeDouble(record.ttftMs());
      }
      out.writeBoolean(record.streamed());
      text(out, record.streamEnd() == null ? null : record.streamEnd().name());
      out.writeInt(record.metadata().size());
      for (Map.Entry<String, String> entry : record.metadata().entrySet()) {
        text(out, entry.getKey());
        text(out, entry.getValue());
      }
      text(out, record.guardrails());
      out.writeInt(record.attempts().size());
      for (AttemptRecord attempt : record.attempts()) {
        out.writeInt(attempt.index());
        text(out, attempt.provider());
        text(out, attempt.model());
        text(out, attempt.optionPath());
        out.writeInt(attempt.retry());
        out.writeLong(attempt.startedAt().getEpochSecond());
        out.writeInt(attempt.startedAt().getNano());
        out.writeDouble(attempt.durationMs());
        out.writeInt(attempt.status());
        text(out, attempt.errorType());
        text(out, attempt.cacheStatus());
        out.writeDouble(attempt.waitAfterMs());
      }
      text(out, record.requestBody());
      text(out, record.responseBody());
      text(out, record.arm());
      out.writeInt(record.outputChecksFailed().size());
      for (String check : record.outputChecksFailed()) {
        text(out, check);
      }
      text(out, record.shadowOf());
      text(out, record.answerDigest().text());
      text(out, record.answerDigest().toolCalls());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  static RequestRecord decode(byte[] frame) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(frame));
    byte format = in.readByte();
    if (format != FORMAT && format != FORMAT_WITHOUT_ARM && format != FORMAT_WITHOUT_SHADOW) {
      throw new IOException("a spilled record in an unknown format");
    }
    String id = text(in);
    String traceId = text(in);
    String traceparent = text(in);
    Instant startedAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
    String method = text(in);
    String path = text(in);
    String workspace = text(in);
    String apiKeyId = text(in);
    String config = text(in);
    String requestModel = text(in);
    String provider = text(in);
    String model = text(in);
    String optionPath = text(in);
    int retries = in.readInt();
    boolean fallbackUsed = in.readBoolean();
    String cacheStatus = text(in);
    Long cacheAgeSeconds = optionalLong(in);
    int status = in.readInt();
    String errorType = text(in);
    Integer promptTokens = optionalInt(in);
    Integer completionTokens = optionalInt(in);
    Integer cachedTokens = optionalInt(in);
    String cost = text(in);
    String savedCost = text(in);
    double latencyMs = in.readDouble();
    Double ttftMs = in.readBoolean() ? in.readDouble() : null;
    boolean streamed = in.readBoolean();
    String streamEnd = text(in);
    int metadataSize = in.readInt();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (int i = 0; i < metadataSize; i++) {
      metadata.put(text(in), text(in));
    }
    String guardrails = text(in);
    int attemptCount = in.readInt();
    List<AttemptRecord> attempts = new ArrayList<>(attemptCount);
    for (int i = 0; i < attemptCount; i++) {
      attempts.add(
          new AttemptRecord(
              in.readInt(),
              text(in),
              text(in),
              text(in),
              in.readInt(),
              Instant.ofEpochSecond(in.readLong(), in.readInt()),
              in.readDouble(),
              in.readInt(),
              text(in),
              text(in),
              in.readDouble()));
    }
    String requestBody = text(in);
    String responseBody = text(in);
    String arm = format == FORMAT_WITHOUT_ARM ? null : text(in);
    List<String> outputChecksFailed = new ArrayList<>();
    int failedChecks = format == FORMAT_WITHOUT_ARM ? 0 : in.readInt();
    for (int i = 0; i < failedChecks; i++) {
      outputChecksFailed.add(text(in));
    }
    boolean shadows = format == FORMAT;
    String shadowOf = shadows ? text(in) : null;
    String textDigest = shadows ? text(in) : null;
    String toolCallsDigest = shadows ? text(in) : null;
    return new RequestRecord(
        id,
        traceId,
        traceparent,
        startedAt,
        method,
        path,
        workspace,
        apiKeyId,
        config,
        requestModel,
        provider,
        model,
        optionPath,
        retries,
        fallbackUsed,
        cacheStatus,
        cacheAgeSeconds,
        status,
        errorType,
        promptTokens,
        completionTokens,
        cachedTokens,
        cost == null ? null : new BigDecimal(cost),
        savedCost == null ? null : new BigDecimal(savedCost),
        latencyMs,
        ttftMs,
        streamed,
        streamEnd == null ? null : RequestRecord.StreamEnd.valueOf(streamEnd),
        metadata,
        guardrails,
        attempts,
        requestBody,
        responseBody,
        arm,
        outputChecksFailed,
        shadowOf,
        new dev.switchboard.engine.observe.AnswerDigest(textDigest, toolCallsDigest));
  }

  /**
   * The format written: {@link #FORMAT_WITHOUT_SHADOW}, then the id of the request a shadow mirrors
   * and the answer's text and tool-call digests.
   */
  private static final byte FORMAT = 3;

  /**
   * {@link #FORMAT_WITHOUT_ARM}, then the record's arm and its failed output checks; still read.
   */
  private static final byte FORMAT_WITHOUT_SHADOW = 2;

  /** The format before records had an arm, still read from a spill an older gateway left. */
  private static final byte FORMAT_WITHOUT_ARM = 1;

  private static void text(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String text(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  private static void optionalLong(DataOutputStream out, Long value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeLong(value);
    }
  }

  private static Long optionalLong(DataInputStream in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }

  private static Integer optionalInt(DataInputStream in) throws IOException {
    return in.readBoolean() ? (int) in.readLong() : null;
  }
}
