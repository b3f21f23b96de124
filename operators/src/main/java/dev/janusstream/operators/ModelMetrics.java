package dev.janusstream.operators;

import com.codahale.metrics.SlidingWindowReservoir;
import dev.janusstream.runtime.InferenceListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.flink.dropwizard.metrics.DropwizardHistogramWrapper;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/**
 * The metrics of one loaded model (one {@link SlotModelService}), in Flink's terms: what the
 * runtime reports through {@link InferenceListener} and what the service's queue and batches do.
 * Each value is counted once per model however many operators share it.
 *
 * <p>The values live here; they are registered in the metric group of one operator that uses the
 * model, under {@code model=<model id>} (REST: {@code <operator>.model.<id>.<metric>}, Prometheus:
 * {@code flink_taskmanager_job_task_operator_model_<metric>{model="<id>",...}}). When that
 * operator closes while others still use the model, they move to the next one's group (Flink
 * unregisters a group's metrics when its operator closes): counters, histograms and gauges keep
 * their values; each {@code ...PerSecond} meter starts afresh over its counter, as a Flink meter
 * does when a task starts. See the README's metrics table for names and meaning.
 */
public final class ModelMetrics implements InferenceListener {
    /** Latency histograms keep the last this many samples. */
    static final int HISTOGRAM_WINDOW = 1024;

    final Counter prefillTokens = new SimpleCounter();
    final Counter decodeTokens = new SimpleCounter();
    final Counter imageTokens = new SimpleCounter();
    final Counter joinedRequests = new SimpleCounter();
    final Counter decodeSteps = new SimpleCounter();
    final Histogram queueWaitMs = histogram();
    final Histogram prefillMs = histogram();
    final Histogram decodeMs = histogram();
    final Histogram imageDecodeMs = histogram();
    final Histogram batchSize = histogram();
    final Histogram decodeRows = histogram();
    private volatile double decodeRowOccupancy;

    private final String modelId;
    private final long modelLoadMs;
    private final ModelBackend backend;
    private final LongSupplier queueDepth;
    private final LongSupplier oldestQueuedMs;
    private final boolean gpu;
    private final Map<Object, MetricGroup> users = new LinkedHashMap<>(); // guarded by this
    private Object owner; // whose group holds the metrics now

    /**
     * @param queueDepth     requests waiting in the service's queue
     * @param oldestQueuedMs age of the oldest of them in ms (0 when none wait)
     */
    ModelMetrics(String modelId, long modelLoadMs, ModelBackend backend, boolean gpu, LongSupplier queueDepth,
            LongSupplier oldestQueuedMs) {
        this.modelId = modelId;
        this.modelLoadMs = modelLoadMs;
        this.backend = backend;
        this.gpu = gpu;
        this.queueDepth = queueDepth;
        this.oldestQueuedMs = oldestQueuedMs;
    }

    private static Histogram histogram() {
        return new DropwizardHistogramWrapper(new com.codahale.metrics.Histogram(new SlidingWindowReservoir(HISTOGRAM_WINDOW)));
    }

    // ------------------------------------------------------------------ where they are registered

    /** {@code user} (an operator instance) uses the model; the first one's group holds the metrics. */
    public synchronized void bind(Object user, MetricGroup operatorGroup) {
        users.put(user, operatorGroup);
        if (owner == null) {
            registerIn(user);
        }
    }

    /** {@code user} stops using the model; if its group held the metrics, the next user's group takes them. */
    public synchronized void unbind(Object user) {
        users.remove(user);
        if (user == owner) {
            owner = null;
            if (!users.isEmpty()) {
                registerIn(users.keySet().iterator().next());
            }
        }
    }

    private void registerIn(Object user) {
        owner = user;
        MetricGroup g = users.get(user).addGroup("model", modelId);
        meter(g, "prefillTokens", prefillTokens);
        meter(g, "decodeTokens", decodeTokens);
        meter(g, "imageTokens", imageTokens);
        meter(g, "joinedRequests", joinedRequests);
        meter(g, "decodeSteps", decodeSteps);
        g.histogram("queueWaitMs", queueWaitMs);
        g.histogram("prefillMs", prefillMs);
        g.histogram("decodeMs", decodeMs);
        g.histogram("imageDecodeMs", imageDecodeMs);
        g.histogram("batchSize", batchSize);
        g.histogram("decodeRows", decodeRows);
        g.gauge("decodeRowOccupancy", (Gauge<Double>) () -> decodeRowOccupancy);
        g.gauge("queueDepth", (Gauge<Long>) queueDepth::getAsLong);
        g.gauge("oldestQueuedMs", (Gauge<Long>) oldestQueuedMs::getAsLong);
        g.gauge("modelLoadMs", (Gauge<Long>) () -> modelLoadMs);
        g.gauge("modelBytes", (Gauge<Long>) backend::modelBytes);
        if (gpu) {
            g.gauge("deviceMemoryUsedBytes", (Gauge<Long>) backend::deviceMemoryUsed);
        }
    }

    /** The counter, and a {@code PerSecond} meter over what it counts from now on. */
    static void meter(MetricGroup g, String name, Counter c) {
        g.counter(name, c);
        long base = c.getCount();
        Counter sinceNow = new Counter() {
            public void inc() {}
            public void inc(long n) {}
            public void dec() {}
            public void dec(long n) {}
            public long getCount() {
                return c.getCount() - base;
            }
        };
        g.meter(name + "PerSecond", new MeterView(sinceNow));
    }

    // ------------------------------------------------------------------ what the service reports

    /** A request left the queue (into a batch, or joining a running call) after waiting {@code nanos}. */
    void admitted(long nanos) {
        queueWaitMs.update(nanos / 1_000_000);
    }

    /** The worker took {@code requests} requests as one batch. */
    void batch(int requests) {
        batchSize.update(requests);
    }

    /** {@code n} requests joined a model call already running. */
    void joined(int n) {
        joinedRequests.inc(n);
    }

    // ------------------------------------------------------------------ what the model reports

    @Override
    public void prefilled(int rows, int tokens, long nanos) {
        prefillTokens.inc(tokens);
        prefillMs.update(nanos / 1_000_000);
    }

    @Override
    public void stepped(int textTokens, int imageTokens, int rows, int maxRows, int step, int stepsLeft, long nanos) {
        decodeTokens.inc(textTokens);
        this.imageTokens.inc(imageTokens);
        if (rows > 0) {
            decodeSteps.inc();
            decodeRows.update(rows);
            decodeRowOccupancy = maxRows == Integer.MAX_VALUE ? 1.0 : rows / (double) maxRows;
        }
    }

    @Override
    public void answered(int tokens, long decodeNanos) {
        decodeMs.update(decodeNanos / 1_000_000);
    }

    @Override
    public void imagesGenerated(int images, long loopNanos) {
        for (int i = 0; i < images; i++) {
            decodeMs.update(loopNanos / 1_000_000);
        }
    }

    @Override
    public void imageDecoded(int index, int total, long nanos) {
        imageDecodeMs.update(nanos / 1_000_000);
    }

    // ------------------------------------------------------------------ for summaries (demo, bench)

    /** One line of what this model did so far. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "prefill %d tokens (p50 %.0f ms), decode %d text + %d image tokens in %d steps (mean %.1f rows/step),"
                        + " queue wait p50 %.0f ms / p99 %.0f ms, %d joined running calls",
                prefillTokens.getCount(), prefillMs.getStatistics().getQuantile(0.5), decodeTokens.getCount(),
                imageTokens.getCount(), decodeSteps.getCount(), decodeRows.getStatistics().getMean(),
                queueWaitMs.getStatistics().getQuantile(0.5), queueWaitMs.getStatistics().getQuantile(0.99),
                joinedRequests.getCount());
    }
}
