package dev.janusstream.operators;

import java.nio.charset.StandardCharsets;

/**
 * One record to publish: which output (answers, images, dead letters), its key (the request id)
 * and its encoded value. Every operator emits these, so a single transactional sink writes all
 * outputs of a checkpoint atomically. A Flink POJO.
 */
public class Outgoing {
    public enum Kind { ANSWER, IMAGE, DEAD_LETTER }

    public Kind kind;
    public byte[] key;
    public byte[] value;

    public Outgoing() {}

    public Outgoing(Kind kind, byte[] key, byte[] value) {
        this.kind = kind;
        this.key = key;
        this.value = value;
    }

    public static Outgoing of(Kind kind, String requestId, byte[] value) {
        return new Outgoing(kind, requestId == null ? null : requestId.getBytes(StandardCharsets.UTF_8), value);
    }

    public String keyString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return kind + "[" + keyString() + ", " + (value == null ? 0 : value.length) + " B]";
    }
}
