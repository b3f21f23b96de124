package dev.janusstream.operators;

import dev.janusstream.schemas.WireFormat;
import dev.janusstream.schemas.WireFormatException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shape both model operators share: acquire the slot's {@link SlotModelService} on open,
 * release it on close, and turn every input record into its results or exactly one dead letter,
 * whatever its bytes and whatever is thrown while handling it (any {@link Throwable}: decoding,
 * validation, image fetch and decode, the model call, result encoding); a timeout becomes a
 * TIMEOUT dead letter. Nothing a record does can fail the job.
 *
 * <p>A record is decoded once. Its request id, once known, is kept while the record is in flight,
 * so that the dead-letter and timeout paths never decode it again, and they cannot throw
 * ({@link DeadLetters#outgoing} falls back to a minimal dead letter).
 *
 * @param <R> the topic's record type
 */
abstract class ModelAsyncFunction<R extends SpecificRecord> extends RichAsyncFunction<KafkaInput, Outgoing> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelAsyncFunction.class);

    protected final ModelSpec spec;
    protected final RequestLimits limits;
    protected final DeadLetters deadLetters;
    protected transient SlotModelService service;
    private transient OperatorMetrics metrics;
    /** The records in flight, by identity (Flink hands {@link #timeout} the same object). */
    private transient Map<KafkaInput, InFlight> inFlight;

    ModelAsyncFunction(ModelSpec spec, RequestLimits limits, DeadLetters deadLetters) {
        this.spec = spec;
        this.limits = limits;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        attach(SlotModelService.acquireInTask(spec, subtask));
        metrics = new OperatorMetrics(getRuntimeContext().getMetricGroup());
        service.metrics().bind(this, getRuntimeContext().getMetricGroup());
    }

    /** Uses {@code s} for the records that follow (what {@link #open} does once it has acquired it). */
    void attach(SlotModelService s) {
        service = s;
        inFlight = Collections.synchronizedMap(new IdentityHashMap<>());
    }

    @Override
    public void close() throws Exception {
        if (service != null) {
            service.release(this);
            service = null;
        }
    }

    /** The topic's wire format. */
    protected abstract WireFormat<R> wireFormat();

    /** The request id of a decoded record (may be null or blank: validation rejects those). */
    protected abstract String requestId(R request);

    /** Validates a decoded record and produces its results; any exception, sync or in the future, becomes its dead letter. */
    protected abstract CompletableFuture<List<Outgoing>> process(R request);

    @Override
    public void asyncInvoke(KafkaInput in, ResultFuture<Outgoing> resultFuture) {
        handle(in).thenAccept(out -> {
            try {
                resultFuture.complete(out);
            } catch (Throwable t) {
                resultFuture.complete(List.of(deadLetters.outgoing(in, null, ErrorCode.MODEL_FAILURE, t.toString())));
            }
        });
    }

    /**
     * One record → its results or exactly one dead letter. The returned future never completes
     * exceptionally, and this method never throws.
     */
    CompletableFuture<List<Outgoing>> handle(KafkaInput in) {
        long start = metrics != null ? metrics.request() : 0;
        InFlight state = new InFlight();
        inFlight.put(in, state);
        CompletableFuture<List<Outgoing>> f;
        try {
            R request = decode(in);
            state.requestId = requestId(request);
            f = Objects.requireNonNull(process(request), "process returned no future");
        } catch (Throwable t) {
            f = CompletableFuture.failedFuture(t);
        }
        String id = state.requestId;
        return f.handle((out, err) -> {
            inFlight.remove(in);
            if (!state.ended.compareAndSet(false, true)) {
                return List.of(); // timed out already: its dead letter is out, Flink ignores a second completion
            }
            if (err == null && out != null) {
                for (Outgoing o : out) {
                    long size = (o.key == null ? 0 : o.key.length) + (o.value == null ? 0 : o.value.length);
                    if (size > limits.maxResultBytes()) {
                        return List.of(deadLetter(in, id, new RejectedException(ErrorCode.RESULT_TOO_LARGE,
                                "a result of " + size + " bytes, limit " + limits.maxResultBytes())));
                    }
                }
                if (metrics != null) {
                    metrics.results(out.size(), start);
                }
                return out;
            }
            return List.of(deadLetter(in, id, err != null ? err : new IllegalStateException("no results")));
        });
    }

    private R decode(KafkaInput in) {
        try {
            return wireFormat().decode(in.value);
        } catch (WireFormatException e) {
            throw new RejectedException(ErrorCode.DESERIALIZATION, e.getReason() + ": " + e.getMessage());
        } catch (Throwable t) { // WireFormat bounds every allocation, so this is the JVM itself (e.g. a heap already full)
            throw new RejectedException(ErrorCode.DESERIALIZATION, "decoding failed: " + t, t);
        }
    }

    private Outgoing deadLetter(KafkaInput in, String requestId, Throwable err) {
        RejectedException r;
        try {
            r = SlotModelService.reject(err);
        } catch (Throwable t) {
            r = new RejectedException(ErrorCode.MODEL_FAILURE, err.getClass().getName());
        }
        if (r.code() == ErrorCode.MODEL_FAILURE) {
            try {
                LOG.warn("model failed on {}: {}", in, r.getMessage(), r.getCause());
            } catch (Throwable ignored) {
                // logging must not lose the dead letter
            }
        }
        if (metrics != null) {
            metrics.deadLetter(r.code());
        }
        return deadLetters.outgoing(in, requestId, r);
    }

    @Override
    public void timeout(KafkaInput in, ResultFuture<Outgoing> resultFuture) {
        InFlight state = inFlight.remove(in);
        if (state != null && !state.ended.compareAndSet(false, true)) {
            return; // its results or dead letter are being delivered right now
        }
        if (metrics != null) {
            metrics.deadLetter(ErrorCode.TIMEOUT);
        }
        resultFuture.complete(List.of(deadLetters.outgoing(in, state == null ? null : state.requestId, ErrorCode.TIMEOUT,
                "no result within the operator timeout")));
    }

    /** A record in flight: its request id once decoded, and whether its outcome (results, dead letter or timeout) is taken. */
    private static final class InFlight {
        volatile String requestId;
        final AtomicBoolean ended = new AtomicBoolean();
    }
}
