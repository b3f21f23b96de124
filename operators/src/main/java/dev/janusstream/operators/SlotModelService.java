package dev.janusstream.operators;

import ai.djl.Device;
import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.Outcome;
import dev.janusstream.runtime.Timings;
import dev.janusstream.runtime.UnderstandRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model per (model directory, device) in this JVM, shared by every operator instance
 * that runs there (the understanding and generation operators of a slot, and slots on the same
 * device), reference counted: loaded by the first {@link #acquire}, closed by the last
 * {@link #release}.
 *
 * <p>One worker thread per model collects the requests waiting from all users — up to
 * {@code maxBatchSize} of them, waiting at most {@code maxBatchWaitMs} after the first — and runs
 * them as shared model calls: the labelling requests in one {@code label} call, the
 * understanding and generation requests in one {@code serve} call, where they share decoder
 * forwards. Understanding and generation requests queued while that call runs join it between
 * decode steps as decoder rows free up, so a caption does not wait for a long image generation
 * to end. When a batched call fails, its requests are re-run one by one, so only the request at
 * fault fails (and becomes a dead letter).
 */
public final class SlotModelService {
    private static final Logger LOG = LoggerFactory.getLogger(SlotModelService.class);

    /** What the registry has done in this JVM; tests assert on it. */
    public static final class Counters {
        public final AtomicInteger loads = new AtomicInteger();
        public final AtomicInteger closes = new AtomicInteger();
        public final AtomicInteger acquires = new AtomicInteger();
        public final AtomicLong modelCalls = new AtomicLong();
        public final AtomicLong batches = new AtomicLong();
        public final AtomicLong requests = new AtomicLong();
        /** batches that held both understanding/labelling and generation requests */
        public final AtomicLong mixedBatches = new AtomicLong();
        /** Calls that ran understanding and generation rows in the same decoder forwards. */
        public final AtomicLong sharedForwardCalls = new AtomicLong();
        /** Requests that joined a model call already running (between its decode steps). */
        public final AtomicLong joinedRequests = new AtomicLong();
        public final AtomicInteger largestBatch = new AtomicInteger();
        public final AtomicLong isolatedRetries = new AtomicLong();

        public int live() {
            return loads.get() - closes.get();
        }

        @Override
        public String toString() {
            return "loads=" + loads + " closes=" + closes + " acquires=" + acquires + " batches=" + batches
                    + " requests=" + requests + " modelCalls=" + modelCalls + " mixedBatches=" + mixedBatches
                    + " joinedRequests=" + joinedRequests + " largestBatch=" + largestBatch + " isolatedRetries=" + isolatedRetries;
        }
    }

    public static final Counters COUNTERS = new Counters();
    private static final Map<String, SlotModelService> REGISTRY = new HashMap<>();

    private final String key;
    private final ModelBackend backend;
    private final int maxBatchSize;
    private final long maxBatchWaitNanos;
    private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final ExecutorService io;
    private final ModelMetrics metrics;
    private int users; // guarded by REGISTRY
    private volatile boolean closing;

    private SlotModelService(String key, ModelBackend backend, int maxBatchSize, long maxBatchWaitMs, long loadMs, boolean gpu) {
        this.key = key;
        this.backend = backend;
        this.metrics = new ModelMetrics(backend.modelId(), loadMs, backend, gpu, queue::size, this::oldestQueuedMs);
        backend.listen(metrics);
        this.maxBatchSize = maxBatchSize;
        this.maxBatchWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxBatchWaitMs);
        this.io = new ThreadPoolExecutor(0, 8, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "janus-image-io");
            t.setDaemon(true);
            t.setContextClassLoader(DjlEnvironment.libClassLoader()); // what it starts must not hold the job's loader
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        this.worker = new Thread(this::run, "janus-model-" + key);
        this.worker.setDaemon(true);
        this.worker.setContextClassLoader(DjlEnvironment.libClassLoader());
        this.worker.start();
    }

    /** The service for this spec and subtask's device, loading the model if nobody uses it yet. */
    public static SlotModelService acquire(ModelSpec spec, int subtaskIndex) {
        Device device = spec.resolveDevice(subtaskIndex);
        String key = spec.modelDir() + "@" + device;
        synchronized (REGISTRY) {
            SlotModelService s = REGISTRY.get(key);
            if (s == null) {
                long t0 = System.nanoTime();
                ModelBackend backend = spec.factory().load(Path.of(spec.modelDir()), spec.runtimeOptions(device));
                COUNTERS.loads.incrementAndGet();
                long loadMs = (System.nanoTime() - t0) / 1_000_000;
                LOG.info("loaded model {} on {} in {} ms", spec.modelDir(), device, loadMs);
                s = new SlotModelService(key, backend, spec.maxBatchSize(), spec.maxBatchWaitMs(), loadMs, device.isGpu());
                REGISTRY.put(key, s);
            }
            s.users++;
            COUNTERS.acquires.incrementAndGet();
            return s;
        }
    }

    /**
     * {@link #acquire} as a Flink task does it (the DataStream operators and the SQL predict
     * functions): DJL offline unless configured otherwise, the model's memory checked against the
     * TaskManager's budget ({@link ModelMemoryCheck}), and loaded with {@code lib/}'s class loader as
     * the context class loader so that nothing started once per JVM holds on to a job's.
     */
    public static SlotModelService acquireInTask(ModelSpec spec, int subtaskIndex) throws Exception {
        DjlEnvironment.offlineByDefault();
        return DjlEnvironment.inLibContext(() -> {
            ModelMemoryCheck.beforeLoad(spec, subtaskIndex);
            return acquire(spec, subtaskIndex);
        });
    }

    /** Unbinds {@code user}'s metrics (see {@link ModelMetrics#unbind}), then gives back its use: what a user's {@code close()} does. */
    public void release(Object user) {
        metrics().unbind(user);
        release();
    }

    /** Gives back one use; the last one stops the worker and closes the model. */
    public void release() {
        boolean last;
        synchronized (REGISTRY) {
            if (users <= 0) {
                return;
            }
            last = --users == 0;
            if (last) {
                REGISTRY.remove(key);
                closing = true;
            }
        }
        if (last) {
            try { // the worker finishes its current batch, fails what is still queued, closes the model
                worker.join(TimeUnit.MINUTES.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            io.shutdownNow();
        }
    }

    /** Services alive in this JVM (one per loaded model). */
    public static int liveServices() {
        synchronized (REGISTRY) {
            return REGISTRY.size();
        }
    }

    public ModelBackend backend() {
        return backend;
    }

    /** This model's metrics; operators using it {@link ModelMetrics#bind bind} their metric groups. */
    public ModelMetrics metrics() {
        return metrics;
    }

    private long oldestQueuedMs() {
        Pending<?> head = queue.peek();
        return head == null ? 0 : (System.nanoTime() - head.enqueued) / 1_000_000;
    }

    public String modelId() {
        return backend.modelId();
    }

    /** For blocking work next to the model (reading images by URI). */
    public ExecutorService io() {
        return io;
    }

    public CompletableFuture<Answer> understand(UnderstandRequest r) {
        return submit(new Pending<>(Kind.UNDERSTAND, r, 1));
    }

    public CompletableFuture<Label> label(LabelRequest r) {
        return submit(new Pending<>(Kind.LABEL, r, 1));
    }

    /** All images of one request, in index order. */
    public CompletableFuture<List<GeneratedImage>> generate(GenerateRequest r) {
        return submit(new Pending<>(Kind.GENERATE, r, r.parallelSize()));
    }

    private <R> CompletableFuture<R> submit(Pending<R> p) {
        if (closing) {
            p.future.completeExceptionally(new IllegalStateException("model service closed"));
        } else {
            queue.add(p);
        }
        return p.future;
    }

    private enum Kind { UNDERSTAND, LABEL, GENERATE }

    private static final class Pending<R> {
        final Kind kind;
        final Object request;
        final int cost;
        final long enqueued = System.nanoTime();
        final CompletableFuture<R> future = new CompletableFuture<>();

        Pending(Kind kind, Object request, int cost) {
            this.kind = kind;
            this.request = request;
            this.cost = cost;
        }

        double queueMs(long start) {
            return (start - enqueued) / 1e6;
        }
    }

    private void run() {
        try {
            while (!closing) {
                List<Pending<?>> batch = nextBatch();
                if (!batch.isEmpty()) {
                    try {
                        execute(batch);
                    } catch (Throwable t) { // past every per-request handler (e.g. out of heap there too): fail this batch, serve on
                        LOG.error("model call failed outside any one request; failing its {} requests", batch.size(), t);
                        for (Pending<?> p : batch) {
                            p.future.completeExceptionally(t);
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (Throwable t) {
            LOG.error("model service worker died", t);
        } finally {
            List<Pending<?>> left = new ArrayList<>();
            queue.drainTo(left);
            for (Pending<?> p : left) {
                p.future.completeExceptionally(new IllegalStateException("model service closed"));
            }
            try {
                backend.close();
            } finally {
                COUNTERS.closes.incrementAndGet();
                LOG.info("closed model {}", key);
            }
        }
    }

    private List<Pending<?>> nextBatch() throws InterruptedException {
        List<Pending<?>> batch = new ArrayList<>();
        Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
            return batch;
        }
        batch.add(first);
        int cost = first.cost;
        long deadline = first.enqueued + maxBatchWaitNanos;
        while (cost < maxBatchSize) {
            Pending<?> next = queue.peek();
            if (next != null && cost + next.cost > maxBatchSize) {
                break; // keep it for the next batch
            }
            long left = deadline - System.nanoTime();
            next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                break;
            }
            batch.add(next);
            cost += next.cost;
        }
        return batch;
    }

    @SuppressWarnings("unchecked")
    private void execute(List<Pending<?>> batch) {
        long start = System.nanoTime();
        COUNTERS.batches.incrementAndGet();
        COUNTERS.requests.addAndGet(batch.size());
        COUNTERS.largestBatch.accumulateAndGet(batch.size(), Math::max);
        metrics.batch(batch.size());
        List<Pending<Answer>> understand = new ArrayList<>();
        List<Pending<Label>> label = new ArrayList<>();
        List<Pending<List<GeneratedImage>>> generate = new ArrayList<>();
        for (Pending<?> p : batch) {
            metrics.admitted(start - p.enqueued);
            switch (p.kind) {
                case UNDERSTAND -> understand.add((Pending<Answer>) p);
                case LABEL -> label.add((Pending<Label>) p);
                case GENERATE -> generate.add((Pending<List<GeneratedImage>>) p);
            }
        }
        if (!generate.isEmpty() && (!understand.isEmpty() || !label.isEmpty())) {
            COUNTERS.mixedBatches.incrementAndGet();
        }
        run(label, backend::label,
                (p, l) -> new Label(l.id(), l.label(), l.probability(), l.logLikelihoods(), queued(l.timings(), p, start)));
        if (!understand.isEmpty() || !generate.isEmpty()) {
            new SharedCall(start).run(understand, generate);
        }
    }

    /**
     * Understanding and generation requests in one serve() call: shared decoder forwards, answers
     * completing while the images go on, and requests queued meanwhile joining between decode
     * steps. Should the call itself fail, the requests it had not answered yet are re-run one
     * call each so that only the faulty one fails.
     */
    private final class SharedCall {
        final long start;
        final List<Pending<Answer>> understand = new ArrayList<>();
        final List<Pending<List<GeneratedImage>>> generate = new ArrayList<>();

        SharedCall(long start) {
            this.start = start;
        }

        void run(List<Pending<Answer>> u, List<Pending<List<GeneratedImage>>> g) {
            try {
                COUNTERS.modelCalls.incrementAndGet();
                if (!u.isEmpty() && !g.isEmpty()) {
                    COUNTERS.sharedForwardCalls.incrementAndGet();
                }
                backend.serve(requests(u), requests(g), listener(u, g, start), this::poll);
            } catch (Throwable t) {
                LOG.warn("shared model call failed ({}); re-running its unanswered requests one by one", t.toString());
                for (Pending<Answer> p : understand) {
                    if (!p.future.isDone()) {
                        COUNTERS.isolatedRetries.incrementAndGet();
                        SlotModelService.this.run(List.of(p), backend::understand,
                                (q, a) -> new Answer(a.id(), a.text(), a.tokenIds(), queued(a.timings(), q, start)));
                    }
                }
                for (Pending<List<GeneratedImage>> p : generate) {
                    if (!p.future.isDone()) {
                        COUNTERS.isolatedRetries.incrementAndGet();
                        SlotModelService.this.run(List.of(p), backend::generate, (q, images) -> images);
                    }
                }
            }
            for (Pending<Answer> p : understand) {
                if (!p.future.isDone()) {
                    p.future.completeExceptionally(new IllegalStateException("model returned no answer for " + p.request));
                }
            }
            for (Pending<List<GeneratedImage>> p : generate) {
                if (!p.future.isDone()) {
                    p.future.completeExceptionally(new IllegalStateException("model returned no images for " + p.request));
                }
            }
        }

        /**
         * Between decode steps: the understanding and generation requests at the head of the
         * queue join the running call, a batch of them at a time (up to {@code maxBatchSize}, as
         * {@link #nextBatch} would take them). A batch that does not fit in the free rows waits
         * for rows to free up, unless a batch-sized part of it fits: a deep queue joins in groups,
         * not one request per freed row (each group costs a prefill and its own attention). A
         * labelling request at the head waits for the call to end (scoring is a forward of its
         * own), and so do those behind it.
         */
        @SuppressWarnings("unchecked")
        JanusModel.Arrival poll(int freeRows) {
            if (closing) {
                return null;
            }
            List<Pending<?>> batch = new ArrayList<>();
            int cost = 0;
            for (Pending<?> p : queue) {
                if (p.kind == Kind.LABEL || (cost > 0 && cost + p.cost > maxBatchSize)) {
                    break;
                }
                batch.add(p);
                cost += p.cost;
            }
            int fit = 0, rows = 0;
            while (fit < batch.size() && rows + rows(batch.get(fit)) <= freeRows) {
                rows += rows(batch.get(fit++));
            }
            if (fit == 0 || (fit < batch.size() && freeRows < maxBatchSize)) {
                return null;
            }
            List<Pending<Answer>> u = new ArrayList<>();
            List<Pending<List<GeneratedImage>>> g = new ArrayList<>();
            long now = System.nanoTime();
            metrics.joined(fit);
            metrics.batch(fit);
            for (Pending<?> p : batch.subList(0, fit)) {
                metrics.admitted(now - p.enqueued);
                queue.remove(p); // only this thread takes from the queue: still there
                if (p.kind == Kind.UNDERSTAND) {
                    u.add((Pending<Answer>) p);
                } else {
                    g.add((Pending<List<GeneratedImage>>) p);
                }
            }
            COUNTERS.requests.addAndGet(fit);
            COUNTERS.joinedRequests.addAndGet(fit);
            return new JanusModel.Arrival(requests(u), requests(g), listener(u, g, System.nanoTime()));
        }

        private JanusModel.ServeListener listener(List<Pending<Answer>> u, List<Pending<List<GeneratedImage>>> g, long admitted) {
            understand.addAll(u);
            generate.addAll(g);
            return new JanusModel.ServeListener() {
                @Override
                public void answer(int i, Outcome<Answer> o) {
                    Pending<Answer> p = u.get(i);
                    if (o.isOk()) {
                        Answer a = o.value();
                        p.future.complete(new Answer(a.id(), a.text(), a.tokenIds(), queued(a.timings(), p, admitted)));
                    } else {
                        p.future.completeExceptionally(o.error());
                    }
                }

                @Override
                public void images(int i, Outcome<List<GeneratedImage>> o) {
                    Pending<List<GeneratedImage>> p = g.get(i);
                    if (o.isOk()) {
                        List<GeneratedImage> mine = new ArrayList<>();
                        for (GeneratedImage x : o.value()) {
                            mine.add(new GeneratedImage(x.requestId(), x.index(), x.encoded(), x.format(), x.width(),
                                    x.height(), x.seed(), x.tokens(), queued(x.timings(), p, admitted)));
                        }
                        p.future.complete(mine);
                    } else {
                        p.future.completeExceptionally(o.error());
                    }
                }
            };
        }
    }

    /** Decoder rows a request takes: one per question, a conditional and an unconditional row per image. */
    private static int rows(Pending<?> p) {
        return p.kind == Kind.GENERATE ? 2 * p.cost : 1;
    }

    @SuppressWarnings("unchecked")
    private static <Q> List<Q> requests(List<? extends Pending<?>> ps) {
        List<Q> r = new ArrayList<>(ps.size());
        for (Pending<?> p : ps) {
            r.add((Q) p.request);
        }
        return r;
    }

    private static Timings queued(Timings t, Pending<?> p, long start) {
        return (t == null ? Timings.ZERO : t).withQueueMs(p.queueMs(start));
    }

    /**
     * One model call for all; each request completes with its own outcome. Should the whole call
     * fail, the requests are re-run one call each so that only the faulty one fails.
     */
    @SuppressWarnings("unchecked")
    private <Q, O> void run(List<Pending<O>> ps, Function<List<Q>, List<Outcome<O>>> call, BiFunction<Pending<O>, O, O> withQueue) {
        if (ps.isEmpty()) {
            return;
        }
        List<Q> reqs = new ArrayList<>(ps.size());
        for (Pending<O> p : ps) {
            reqs.add((Q) p.request);
        }
        List<Outcome<O>> out;
        try {
            COUNTERS.modelCalls.incrementAndGet();
            out = call.apply(reqs);
            if (out.size() != ps.size()) {
                throw new IllegalStateException("model returned " + out.size() + " outcomes for " + ps.size() + " requests");
            }
        } catch (Throwable t) {
            if (ps.size() == 1) {
                ps.get(0).future.completeExceptionally(t);
                return;
            }
            LOG.warn("batched model call of {} requests failed ({}); re-running them one by one", ps.size(), t.toString());
            for (Pending<O> p : ps) {
                COUNTERS.isolatedRetries.incrementAndGet();
                run(List.of(p), call, withQueue);
            }
            return;
        }
        for (int i = 0; i < ps.size(); i++) {
            Outcome<O> o = out.get(i);
            Pending<O> p = ps.get(i);
            if (o.isOk()) {
                try {
                    p.future.complete(withQueue.apply(p, o.value()));
                } catch (Throwable e) {
                    p.future.completeExceptionally(e);
                }
            } else {
                p.future.completeExceptionally(o.error());
            }
        }
    }

    /** The dead-letter code for a failure surfaced by this service. */
    public static RejectedException reject(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof RejectedException r) {
            return r;
        }
        if (c instanceof InvalidRequestException i) {
            return new RejectedException(ErrorCode.of(i.code()), i.getMessage(), i);
        }
        return new RejectedException(ErrorCode.MODEL_FAILURE, c.getClass().getSimpleName() + ": " + c.getMessage(), c);
    }
}
