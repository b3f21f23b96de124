package dev.janusstream.runtime;

/**
 * The model failed while running a request, e.g. out of memory (a Java {@link OutOfMemoryError},
 * or libtorch's "can't allocate memory"). Reported for that request alone: when a shared batch
 * fails, its requests are run again one by one, so only the one that cannot run gets this. The
 * model is usable afterwards (every step's native memory is freed on every path).
 */
public class ModelFailureException extends RuntimeException {
    public ModelFailureException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code t} as an outcome's error: runtime exceptions as they are, errors wrapped. */
    static RuntimeException of(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new ModelFailureException(t instanceof OutOfMemoryError ? "out of memory: " + t.getMessage() : t.toString(), t);
    }
}
