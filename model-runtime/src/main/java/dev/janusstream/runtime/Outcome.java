package dev.janusstream.runtime;

/** The result of one request in a batch: a value, or the error that request alone ran into. */
public record Outcome<T>(T value, RuntimeException error) {
    public static <T> Outcome<T> ok(T value) {
        return new Outcome<>(value, null);
    }

    public static <T> Outcome<T> failed(RuntimeException error) {
        return new Outcome<>(null, error);
    }

    public boolean isOk() {
        return error == null;
    }

    /** The value, or the error thrown. */
    public T get() {
        if (error != null) {
            throw error;
        }
        return value;
    }
}
