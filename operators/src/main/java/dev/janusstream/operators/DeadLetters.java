package dev.janusstream.operators;

import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.WireFormat;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds the dead letter of an input record: where it came from, why, and its (truncated) bytes. */
public final class DeadLetters implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int DEFAULT_MAX_ORIGINAL_BYTES = 64 * 1024;

    private final int maxOriginalBytes;

    public DeadLetters(int maxOriginalBytes) {
        if (maxOriginalBytes < 0) {
            throw new IllegalArgumentException("maxOriginalBytes must be >= 0");
        }
        this.maxOriginalBytes = maxOriginalBytes;
    }

    /** Longest request id (characters) and message (characters) a dead letter carries. */
    static final int MAX_REQUEST_ID_CHARS = 512;
    static final int MAX_MESSAGE_CHARS = 4096;

    /**
     * The dead letter of {@code in}: its value truncated to {@code maxOriginalBytes} (and its key
     * too), the request id and message cut to {@value #MAX_REQUEST_ID_CHARS} /
     * {@value #MAX_MESSAGE_CHARS} characters, so that a dead letter always fits in a Kafka record
     * even when the input record was as large as the broker allows.
     */
    public DeadLetter letter(KafkaInput in, String requestId, ErrorCode code, String message) {
        byte[] value = in.value == null ? new byte[0] : in.value;
        return DeadLetter.newBuilder()
                .setSourceTopic(String.valueOf(in.topic))
                .setSourcePartition(in.partition)
                .setSourceOffset(in.offset)
                .setKey(in.key == null ? null : ByteBuffer.wrap(truncate(in.key)))
                .setRequestId(requestId == null ? null : cut(requestId, MAX_REQUEST_ID_CHARS))
                .setErrorCode(code.name())
                .setMessage(message == null ? code.name() : cut(message, MAX_MESSAGE_CHARS))
                .setOriginal(ByteBuffer.wrap(truncate(value)))
                .setOriginalSize(value.length)
                .setTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build();
    }

    /**
     * The outgoing record: keyed by the request id when known, else by the input's key, else by
     * "topic-partition-offset" so that every dead letter is traceable to its input. Never throws:
     * should the full dead letter fail to build (for example the JVM out of heap while copying the
     * original bytes), a minimal one without the original bytes is sent instead.
     */
    public Outgoing outgoing(KafkaInput in, String requestId, ErrorCode code, String message) {
        try {
            byte[] key = requestId != null ? cut(requestId, MAX_REQUEST_ID_CHARS).getBytes(StandardCharsets.UTF_8)
                    : in.key != null ? truncate(in.key)
                    : (in.topic + "-" + in.partition + "-" + in.offset).getBytes(StandardCharsets.UTF_8);
            return new Outgoing(Outgoing.Kind.DEAD_LETTER, key, WireFormat.DEAD_LETTER.encode(letter(in, requestId, code, message)));
        } catch (Throwable t) {
            return minimal(in, code, t);
        }
    }

    public Outgoing outgoing(KafkaInput in, String requestId, RejectedException e) {
        return outgoing(in, requestId, e.code(), e.getMessage());
    }

    private static Outgoing minimal(KafkaInput in, ErrorCode code, Throwable why) {
        String where = in.topic + "-" + in.partition + "-" + in.offset;
        DeadLetter d = DeadLetter.newBuilder()
                .setSourceTopic(String.valueOf(in.topic))
                .setSourcePartition(in.partition)
                .setSourceOffset(in.offset)
                .setErrorCode(code.name())
                .setMessage(code.name() + " (dead letter without the original: " + why.getClass().getName() + ")")
                .setOriginal(ByteBuffer.allocate(0))
                .setOriginalSize(in.value == null ? 0 : in.value.length)
                .setTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build();
        return new Outgoing(Outgoing.Kind.DEAD_LETTER, where.getBytes(StandardCharsets.UTF_8), WireFormat.DEAD_LETTER.encode(d));
    }

    private byte[] truncate(byte[] b) {
        return b.length <= maxOriginalBytes ? b : Arrays.copyOf(b, maxOriginalBytes);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
