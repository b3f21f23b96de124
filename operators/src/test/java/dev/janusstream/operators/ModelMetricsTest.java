package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** A model's metrics are registered once, and move to the next operator when the one holding them closes. */
class ModelMetricsTest {
    /** Flink's no-op group, remembering what was registered in it and its subgroups (by "key.value.name"). */
    static final class Recorded extends UnregisteredMetricsGroup {
        final Map<String, Metric> metrics;
        final String prefix;

        Recorded(String prefix) {
            this(new LinkedHashMap<>(), prefix);
        }

        private Recorded(Map<String, Metric> metrics, String prefix) {
            this.metrics = metrics;
            this.prefix = prefix;
        }

        private <M extends Metric> M put(String name, M m) {
            metrics.put(prefix + name, m);
            return m;
        }

        @Override public <C extends Counter> C counter(String name, C c) { return put(name, c); }
        @Override public <T, G extends Gauge<T>> G gauge(String name, G g) { return put(name, g); }
        @Override public <M extends Meter> M meter(String name, M m) { return put(name, m); }
        @Override public <H extends Histogram> H histogram(String name, H h) { return put(name, h); }
        @Override public MetricGroup addGroup(String key, String value) {
            return new Recorded(metrics, prefix + key + "." + value + ".");
        }
    }

    static ModelMetrics metrics() {
        return new ModelMetrics("tiny", 123, new FakeBackend(), false, () -> 2, () -> 40);
    }

    @Test
    void registeredInTheFirstUsersGroupOnly() {
        ModelMetrics m = metrics();
        Recorded a = new Recorded(""), b = new Recorded("");
        m.bind("understand", a);
        m.bind("generate", b);
        assertTrue(b.metrics.isEmpty(), "counted once per model: " + b.metrics.keySet());
        assertEquals(2L, ((Gauge<?>) a.metrics.get("model.tiny.queueDepth")).getValue());
        assertEquals(40L, ((Gauge<?>) a.metrics.get("model.tiny.oldestQueuedMs")).getValue());
        assertEquals(123L, ((Gauge<?>) a.metrics.get("model.tiny.modelLoadMs")).getValue());
        assertNull(a.metrics.get("model.tiny.deviceMemoryUsedBytes"), "GPU only");
        for (String name : new String[] {"prefillTokens", "decodeTokens", "imageTokens", "joinedRequests", "decodeSteps"}) {
            assertInstanceOf(Counter.class, a.metrics.get("model.tiny." + name));
            assertInstanceOf(MeterView.class, a.metrics.get("model.tiny." + name + "PerSecond"));
        }
    }

    @Test
    void runtimeEventsBecomeCountsAndHistograms() {
        ModelMetrics m = metrics();
        Recorded a = new Recorded("");
        m.bind("op", a);
        m.prefilled(3, 120, 40_000_000L);
        m.stepped(1, 2, 5, 10, 1, 7, 1_000_000L);
        m.stepped(1, 2, 5, 10, 2, 6, 1_000_000L);
        m.stepped(0, 2, 0, 10, 3, 0, 1_000_000L); // the last sampling: no forward
        m.imageDecoded(0, 2, 7_000_000L);
        m.admitted(3_000_000L);
        m.batch(4);
        m.joined(1);
        assertEquals(120, ((Counter) a.metrics.get("model.tiny.prefillTokens")).getCount());
        assertEquals(2, ((Counter) a.metrics.get("model.tiny.decodeTokens")).getCount());
        assertEquals(6, ((Counter) a.metrics.get("model.tiny.imageTokens")).getCount());
        assertEquals(2, ((Counter) a.metrics.get("model.tiny.decodeSteps")).getCount(), "steps with a forward");
        assertEquals(0.5, (Double) ((Gauge<?>) a.metrics.get("model.tiny.decodeRowOccupancy")).getValue());
        assertEquals(40, ((Histogram) a.metrics.get("model.tiny.prefillMs")).getStatistics().getMax());
        assertEquals(7, ((Histogram) a.metrics.get("model.tiny.imageDecodeMs")).getStatistics().getMax());
        assertEquals(3, ((Histogram) a.metrics.get("model.tiny.queueWaitMs")).getStatistics().getMax());
        assertEquals(2, ((Histogram) a.metrics.get("model.tiny.decodeRows")).getCount());
        assertEquals(1, ((Counter) a.metrics.get("model.tiny.joinedRequests")).getCount());
    }

    @Test
    void whenTheHoldingOperatorClosesTheNextOneTakesTheMetricsWithTheirValues() {
        ModelMetrics m = metrics();
        Recorded a = new Recorded(""), b = new Recorded(""), c = new Recorded("");
        m.bind("understand", a);
        m.bind("generate", b);
        m.prefilled(1, 100, 1);
        Counter inA = (Counter) a.metrics.get("model.tiny.prefillTokens");

        m.unbind("understand"); // Flink closes understand's group: its metrics are gone from there
        Counter inB = (Counter) b.metrics.get("model.tiny.prefillTokens");
        assertSame(inA, inB, "the same counter, still counting");
        assertEquals(100, inB.getCount());
        MeterView rate = (MeterView) b.metrics.get("model.tiny.prefillTokensPerSecond");
        assertNotSame(a.metrics.get("model.tiny.prefillTokensPerSecond"), rate,
                "a fresh meter: the closed group's unregistration stops the old one's updates");
        rate.update();
        assertEquals(0.0, rate.getRate(), "counts before the move are not a burst in the new meter");
        m.prefilled(1, 60, 1);
        rate.update();
        assertTrue(rate.getRate() > 0);
        assertEquals(160, inB.getCount());

        m.bind("late", c);
        assertTrue(c.metrics.isEmpty(), "already held by generate");
        m.unbind("generate");
        assertSame(inA, c.metrics.get("model.tiny.prefillTokens"));
        m.unbind("late");
        m.unbind("late"); // twice is harmless
    }
}
