package dev.janusstream.operators;

/** A record that becomes a dead letter with {@link #code()}; never fails the job. */
public class RejectedException extends RuntimeException {
    private final ErrorCode code;

    public RejectedException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public RejectedException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
