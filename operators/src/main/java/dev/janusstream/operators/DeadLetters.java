package dev.janusstream.operators;

import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.WireFormat;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Instant;
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

    public DeadLetter letter(KafkaInput in, String requestId, ErrorCode code, String message) {
        byte[] value = in.value == null ? new byte[0] : in.value;
        byte[] kept = value.length <= maxOriginalBytes ? value : Arrays.copyOf(value, maxOriginalBytes);
        return DeadLetter.newBuilder()
                .setSourceTopic(in.topic)
                .setSourcePartition(in.partition)
                .setSourceOffset(in.offset)
                .setKey(in.key == null ? null : ByteBuffer.wrap(in.key))
                .setRequestId(requestId)
                .setErrorCode(code.name())
                .setMessage(message == null ? code.name() : message)
                .setOriginal(ByteBuffer.wrap(kept))
                .setOriginalSize(value.length)
                .setTime(Instant.ofEpochMilli(System.currentTimeMillis()))
                .build();
    }

    /**
     * The outgoing record: keyed by the request id when known, else by the input's key, else by
     * "topic-partition-offset" so that every dead letter is traceable to its input.
     */
    public Outgoing outgoing(KafkaInput in, String requestId, ErrorCode code, String message) {
        byte[] key = requestId != null ? requestId.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : in.key != null ? in.key
                : (in.topic + "-" + in.partition + "-" + in.offset).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return new Outgoing(Outgoing.Kind.DEAD_LETTER, key, WireFormat.DEAD_LETTER.encode(letter(in, requestId, code, message)));
    }

    public Outgoing outgoing(KafkaInput in, String requestId, RejectedException e) {
        return outgoing(in, requestId, e.code(), e.getMessage());
    }
}
