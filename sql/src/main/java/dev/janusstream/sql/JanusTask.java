package dev.janusstream.sql;

/** What a {@code janus} model computes for each input row. */
public enum JanusTask {
    /** image [+ question] -> answer text */
    UNDERSTAND,
    /** image + candidate labels -> the most likely label and its probability among the candidates */
    LABEL,
    /** prompt -> one output row per generated image */
    GENERATE
}
