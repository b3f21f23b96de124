package dev.janusstream.runtime;

/** The model's answer to an {@link UnderstandRequest}. */
public record Answer(String id, String text, int[] tokenIds, Timings timings) {
    public int tokenCount() {
        return tokenIds.length;
    }
}
