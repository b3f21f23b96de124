package dev.janusstream.runtime;

/** A request the model cannot serve as given (bad image, bad parameters, too long). Never retried. */
public class InvalidRequestException extends RuntimeException {

    /** Stable reasons, used as dead-letter error codes by the streaming jobs. */
    public enum Code {
        IMAGE_EMPTY,
        IMAGE_UNDECODABLE,
        IMAGE_TOO_LARGE,
        INVALID_PARAMETERS,
        PROMPT_TOO_LONG,
        BATCH_TOO_LARGE
    }

    private final Code code;

    public InvalidRequestException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public InvalidRequestException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
