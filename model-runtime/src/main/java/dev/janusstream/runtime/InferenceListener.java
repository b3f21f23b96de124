package dev.janusstream.runtime;

/**
 * What a model measures while it runs, for metrics and progress displays. Set one on a model
 * with {@link JanusModel#setListener}. Methods are called on the thread running the model call,
 * inside its decode loop: they must be cheap and must not throw. The defaults do nothing.
 * Durations are wall-clock nanoseconds.
 */
public interface InferenceListener {
    InferenceListener NONE = new InferenceListener() {};

    /**
     * A group of decoder rows was prefilled in one forward.
     *
     * @param rows   decoder rows (one per question, two per generated image)
     * @param tokens prompt tokens processed, without padding (image placeholder tokens included)
     */
    default void prefilled(int rows, int tokens, long nanos) {}

    /**
     * One decode step: sampling from the last hidden states, then one decoder forward over the
     * rows still running.
     *
     * @param textTokens  answer tokens sampled in this step (one per running question)
     * @param imageTokens image tokens sampled in this step (one per running image)
     * @param rows        decoder rows in the step's forward (0 when every row has just finished)
     * @param maxRows     the most rows a forward may hold ({@code RuntimeOptions.maxBatchRows()}),
     *                    {@code Integer.MAX_VALUE} when unbounded
     * @param step        1-based index of this step in the current decode loop
     * @param stepsLeft   the most steps a running row may still take (answers can end sooner)
     */
    default void stepped(int textTokens, int imageTokens, int rows, int maxRows, int step, int stepsLeft, long nanos) {}

    /** An answer finished after {@code tokens} tokens; {@code decodeNanos} from its first decode step. */
    default void answered(int tokens, long decodeNanos) {}

    /** The token grids of {@code images} images are complete; {@code loopNanos} since their prefill began. */
    default void imagesGenerated(int images, long loopNanos) {}

    /** One image was VQ-decoded and encoded (PNG or JPEG); {@code index} of {@code total} in this call. */
    default void imageDecoded(int index, int total, long nanos) {}
}
