package dev.janusstream.runtime;

/** Where a request's time went, in milliseconds; queueMs is filled by whoever queued it. */
public record Timings(double queueMs, double preprocessMs, double prefillMs, double decodeMs, double postprocessMs) {
    public static final Timings ZERO = new Timings(0, 0, 0, 0, 0);

    public double totalMs() {
        return queueMs + preprocessMs + prefillMs + decodeMs + postprocessMs;
    }

    public Timings withQueueMs(double q) {
        return new Timings(q, preprocessMs, prefillMs, decodeMs, postprocessMs);
    }
}
