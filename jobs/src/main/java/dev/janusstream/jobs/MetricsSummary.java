package dev.janusstream.jobs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter that keeps the model operators' metrics of an in-process MiniCluster,
 * so that the demo and {@code bench pipeline} can print what Flink's metric system saw after
 * their job has ended (counters and histograms keep their values once unregistered).
 *
 * <pre>{@code
 * MetricsSummary summary = MetricsSummary.install(config);   // before the MiniCluster starts
 * ... run the job ...
 * summary.lines(jobSeconds).forEach(System.out::println);
 * }</pre>
 */
public final class MetricsSummary {
    private static final Map<String, MetricsSummary> BY_ID = new ConcurrentHashMap<>();

    /** {@code base}: a counter's count when it was registered (a model may have counted before this job). */
    private record Entry(String name, Map<String, String> variables, Metric metric, long base) {}

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** Configures {@code config}'s metric system to report into a new summary, and returns it. */
    public static MetricsSummary install(Configuration config) {
        String id = UUID.randomUUID().toString();
        MetricsSummary s = new MetricsSummary();
        BY_ID.put(id, s);
        config.set(ConfigOptions.key("metrics.reporter.summary.factory.class").stringType().noDefaultValue(),
                Factory.class.getName());
        config.set(ConfigOptions.key("metrics.reporter.summary.id").stringType().noDefaultValue(), id);
        return s;
    }

    /** Found by Flink through {@code META-INF/services}; named in the configuration by {@link #install}. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            MetricsSummary target = BY_ID.get(properties.getProperty("id", ""));
            return new Reporter(target != null ? target : new MetricsSummary());
        }
    }

    private static final class Reporter implements MetricReporter {
        private final MetricsSummary target;

        Reporter(MetricsSummary target) {
            this.target = target;
        }

        @Override
        public void open(MetricConfig config) {}

        @Override
        public void close() {}

        @Override
        public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
            Map<String, String> vars = group.getAllVariables();
            if (vars.containsKey("<operator_name>")) {
                target.entries.add(new Entry(name, Map.copyOf(vars), metric, metric instanceof Counter c ? c.getCount() : 0));
            }
        }

        @Override
        public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {} // keep it for the summary
    }

    // ------------------------------------------------------------------ reading

    private List<Entry> entries(String name, Predicate<Map<String, String>> where) {
        Set<Metric> seen = Collections.newSetFromMap(new IdentityHashMap<>()); // a model's metrics may sit in two groups
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.name().equals(name) && where.test(e.variables()) && seen.add(e.metric())) {
                out.add(e);
            }
        }
        return out;
    }

    private List<Metric> find(String name, Predicate<Map<String, String>> where) {
        return entries(name, where).stream().map(Entry::metric).toList();
    }

    /** Sum of the counters called {@code name} where {@code where} holds, counted since their registration. */
    public long count(String name, Predicate<Map<String, String>> where) {
        return entries(name, where).stream().filter(e -> e.metric() instanceof Counter)
                .mapToLong(e -> ((Counter) e.metric()).getCount() - e.base()).sum();
    }

    private HistogramStatistics histogram(String name, Predicate<Map<String, String>> where) {
        return find(name, where).stream().filter(m -> m instanceof Histogram).map(m -> ((Histogram) m).getStatistics())
                .findFirst().orElse(null);
    }

    private Object gauge(String name, Predicate<Map<String, String>> where) {
        return find(name, where).stream().filter(m -> m instanceof Gauge).map(m -> ((Gauge<?>) m).getValue()).findFirst().orElse(null);
    }

    private static Predicate<Map<String, String>> operator(String op) {
        return v -> op.equals(v.get("<operator_name>")) && !v.containsKey("<errorCode>") && !v.containsKey("<model>");
    }

    private static final Predicate<Map<String, String>> MODEL = v -> v.containsKey("<model>");

    /** A few lines on what the job's model operators did; rates are per second of {@code jobSeconds}. */
    public List<String> lines(double jobSeconds) {
        List<String> s = new ArrayList<>();
        s.add("metrics (as Flink's metric system reported them; README \"Metrics\" explains each)");
        for (String op : List.of("understand", "generate")) {
            long requests = count("requests", operator(op));
            if (requests == 0) {
                continue;
            }
            HistogramStatistics latency = histogram("latencyMs", operator(op));
            s.add(String.format(Locale.ROOT, "  %-11s %d requests, %d results, %d dead letters; latency p50 %s, p95 %s", op + ":",
                    requests, count("results", operator(op)), count("deadLetters", operator(op)), ms(latency, 0.5), ms(latency, 0.95)));
        }
        Map<String, Long> codes = new TreeMap<>();
        for (Entry e : entries) {
            String code = e.variables().get("<errorCode>");
            if (code != null && !codes.containsKey(code)) {
                long n = count("deadLetters", v -> code.equals(v.get("<errorCode>")));
                if (n > 0) {
                    codes.put(code, n);
                }
            }
        }
        if (!codes.isEmpty()) {
            StringBuilder b = new StringBuilder("  dead letters by errorCode:");
            codes.forEach((c, n) -> b.append(' ').append(c).append('=').append(n));
            s.add(b.toString());
        }
        Object loadMs = gauge("modelLoadMs", MODEL);
        Object bytes = gauge("modelBytes", MODEL);
        if (loadMs != null) {
            s.add(String.format(Locale.ROOT, "  model:      loaded in %s ms, %.1f MiB of weights resident", loadMs,
                    bytes instanceof Long b && b > 0 ? b / 1048576.0 : 0.0));
        }
        long prefill = count("prefillTokens", MODEL), text = count("decodeTokens", MODEL), image = count("imageTokens", MODEL);
        long steps = count("decodeSteps", MODEL);
        HistogramStatistics rows = histogram("decodeRows", MODEL);
        s.add(String.format(Locale.ROOT, "  tokens:     %d prefill, %d text + %d image decoded in %d steps (mean %.1f rows/step);"
                        + " %.1f text + %.1f image tokens per second of job time",
                prefill, text, image, steps, rows == null ? 0.0 : rows.getMean(), text / jobSeconds, image / jobSeconds));
        s.add(String.format(Locale.ROOT, "  p50 times:  queue wait %s, prefill %s, decode %s, VQ decode + encode %s; %d requests joined running calls",
                ms(histogram("queueWaitMs", MODEL), 0.5), ms(histogram("prefillMs", MODEL), 0.5),
                ms(histogram("decodeMs", MODEL), 0.5), ms(histogram("imageDecodeMs", MODEL), 0.5), count("joinedRequests", MODEL)));
        return s;
    }

    private static String ms(HistogramStatistics h, double q) {
        return h == null || h.size() == 0 ? "-" : String.format(Locale.ROOT, "%.0f ms", h.getQuantile(q));
    }
}
