package dev.janusstream.operators;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shape both model operators share: acquire the slot's {@link SlotModelService} on open,
 * release it on close, turn every input record into its results or exactly one dead letter
 * (never an exception that would fail the job), and a timeout into a TIMEOUT dead letter.
 */
abstract class ModelAsyncFunction extends RichAsyncFunction<KafkaInput, Outgoing> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelAsyncFunction.class);

    protected final ModelSpec spec;
    protected final RequestLimits limits;
    protected final DeadLetters deadLetters;
    protected transient SlotModelService service;
    private transient Counter results;
    private transient Counter rejected;

    ModelAsyncFunction(ModelSpec spec, RequestLimits limits, DeadLetters deadLetters) {
        this.spec = spec;
        this.limits = limits;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        DjlOffline.byDefault();
        ModelMemoryCheck.beforeLoad(spec, subtask);
        service = SlotModelService.acquire(spec, subtask);
        results = getRuntimeContext().getMetricGroup().counter("results");
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void close() throws Exception {
        if (service != null) {
            service.release();
            service = null;
        }
    }

    /** The results of one record; any exception (sync or in the future) becomes its dead letter. */
    protected abstract CompletableFuture<List<Outgoing>> process(KafkaInput in);

    /** The request id if the record decodes, else null (for dead letters). */
    protected abstract String requestIdOf(KafkaInput in);

    @Override
    public void asyncInvoke(KafkaInput in, ResultFuture<Outgoing> resultFuture) {
        CompletableFuture<List<Outgoing>> f;
        try {
            f = process(in);
        } catch (Throwable t) {
            f = CompletableFuture.failedFuture(t);
        }
        f.whenComplete((out, err) -> {
            if (err == null) {
                if (results != null) {
                    results.inc(out.size());
                }
                resultFuture.complete(out);
            } else {
                resultFuture.complete(List.of(deadLetter(in, err)));
            }
        });
    }

    private Outgoing deadLetter(KafkaInput in, Throwable err) {
        RejectedException r = SlotModelService.reject(err);
        if (r.code() == ErrorCode.MODEL_FAILURE) {
            LOG.warn("model failed on {}: {}", in, r.getMessage(), r.getCause());
        }
        if (rejected != null) {
            rejected.inc();
        }
        return deadLetters.outgoing(in, requestIdOf(in), r);
    }

    @Override
    public void timeout(KafkaInput in, ResultFuture<Outgoing> resultFuture) {
        if (rejected != null) {
            rejected.inc();
        }
        resultFuture.complete(List.of(deadLetters.outgoing(in, requestIdOf(in), ErrorCode.TIMEOUT,
                "no result within the operator timeout")));
    }
}
