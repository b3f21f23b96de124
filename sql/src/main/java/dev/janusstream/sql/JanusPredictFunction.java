package dev.janusstream.sql;

import dev.janusstream.operators.SlotModelService;
import java.util.Collection;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;

/**
 * ML_PREDICT with {@code 'async' = 'false'}: one row at a time per subtask (the row still shares
 * model calls with the other users of the slot's model service, but not with rows of its own query).
 */
public class JanusPredictFunction extends PredictFunction {
    private static final long serialVersionUID = 1L;
    private final JanusPredictor predictor;
    private transient SlotModelService service;

    JanusPredictFunction(JanusPredictor predictor) {
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
    public Collection<RowData> predict(RowData row) {
        return predictor.predict(row, service).join(); // never completes exceptionally: errors are rows
    }

    @Override
    public void close() throws Exception {
        if (service != null) {
            service.release(this);
            service = null;
        }
    }
}
