package dev.janusstream.operators;

import com.codahale.metrics.SlidingWindowReservoir;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.dropwizard.metrics.DropwizardHistogramWrapper;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * The metrics of one model operator instance (understand or generate, one per subtask): records
 * in, results out, dead letters (in total and by error code under {@code errorCode=<CODE>}), and
 * the end-to-end latency of a request. Thread-safe (results complete on the model's thread).
 */
public final class OperatorMetrics {
    private final Counter requests;
    private final Counter results;
    private final Counter deadLetters;
    private final Map<ErrorCode, Counter> byCode = new EnumMap<>(ErrorCode.class);
    private final Histogram latencyMs;

    public OperatorMetrics(MetricGroup g) {
        requests = withMeter(g, "requests");
        results = withMeter(g, "results");
        deadLetters = withMeter(g, "deadLetters");
        for (ErrorCode c : ErrorCode.values()) { // every code from the start: a rate query sees zeros, not gaps
            byCode.put(c, g.addGroup("errorCode", c.name()).counter("deadLetters"));
        }
        latencyMs = g.histogram("latencyMs", new DropwizardHistogramWrapper(
                new com.codahale.metrics.Histogram(new SlidingWindowReservoir(ModelMetrics.HISTOGRAM_WINDOW))));
    }

    private static Counter withMeter(MetricGroup g, String name) {
        Counter c = g.counter(name);
        g.meter(name + "PerSecond", new MeterView(c));
        return c;
    }

    /** An input record arrived; returns the time to pass to {@link #results} (System.nanoTime). */
    public long request() {
        requests.inc();
        return System.nanoTime();
    }

    /** A request ended in {@code n} result records; {@code since}: what {@link #request()} returned. */
    public void results(int n, long since) {
        results.inc(n);
        latencyMs.update((System.nanoTime() - since) / 1_000_000);
    }

    /** A request ended as a dead letter. */
    public void deadLetter(ErrorCode code) {
        deadLetters.inc();
        byCode.get(code).inc();
    }
}
