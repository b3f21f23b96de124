package dev.janusstream.sql;

import dev.janusstream.operators.SlotModelService;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/**
 * ML_PREDICT in async mode (the default): each row is queued at the slot's shared model service
 * and completes when its batch does; Flink's async operator bounds the rows in flight
 * ({@code max-concurrent-operations}) and orders the output ({@code output-mode}).
 */
public class JanusAsyncPredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;
    private final JanusPredictor predictor;
    private transient SlotModelService service;

    JanusAsyncPredictFunction(JanusPredictor predictor) {
        this.predictor = predictor;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        int subtask = context.getTaskInfo().getIndexOfThisSubtask();
        predictor.open(subtask);
        service = SlotModelService.acquireInTask(predictor.config().spec(), subtask);
        service.metrics().bind(this, context.getMetricGroup()); // the model's metrics, once per model, as the DataStream operators do
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData row) {
        return predictor.predict(row, service);
    }

    @Override
    public void close() throws Exception {
        if (service != null) {
            service.release(this);
            service = null;
        }
    }
}
