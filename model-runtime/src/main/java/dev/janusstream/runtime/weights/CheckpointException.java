package dev.janusstream.runtime.weights;

/** A model directory or weight file that cannot be used; the message names the file and tensor. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
