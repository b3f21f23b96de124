package dev.janusstream.schemas;

/** A value that is not a readable single-object encoded record of the expected type. */
public class WireFormatException extends RuntimeException {

    public enum Reason {
        /** null or zero-length value */
        EMPTY,
        /** no C3 01 header: not single-object encoded (raw Avro, JSON, ...) */
        NOT_SINGLE_OBJECT,
        /** header names a writer schema this reader does not know */
        UNKNOWN_SCHEMA,
        /** the body does not parse with the writer schema */
        CORRUPT,
        /** a value that cannot be written (missing required field) */
        INVALID_VALUE
    }

    private final Reason reason;

    public WireFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public WireFormatException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason getReason() {
        return reason;
    }
}
