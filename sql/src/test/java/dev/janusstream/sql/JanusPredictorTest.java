package dev.janusstream.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.operators.SlotModelService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/** The predictor on the real tiny model, outside Flink: a row past its deadline answers TIMEOUT; the row is never lost. */
class JanusPredictorTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    @Test
    void aRowPastItsDeadlineBecomesATimeoutRowAndTheSameRowWithoutOneIsAnswered() throws Exception {
        Configuration options = new Configuration();
        options.setString("task", "understand");
        options.setString("model-dir", GOLDEN.toString());
        options.setString("device", "cpu");
        options.setString("max-new-tokens", "4");
        PredictConfig config = JanusModelProviderFactory.config(options, Set.of("task", "model-dir", "device", "max-new-tokens"), "m");
        ModelColumns columns = ModelColumns.bind(JanusTask.UNDERSTAND, ResolvedSchema.of(Column.physical("image", DataTypes.BYTES())),
                ResolvedSchema.of(Column.physical("answer", DataTypes.STRING()), Column.physical("error_code", DataTypes.STRING())));
        RowData row = GenericRowData.of((Object) Files.readAllBytes(GOLDEN.resolve("images/imgA.png")));

        SlotModelService service = SlotModelService.acquire(config.spec(), 0);
        try {
            JanusPredictor late = new JanusPredictor(config, columns, Duration.ofMillis(1));
            late.open(0);
            Collection<RowData> timedOut = late.predict(row, service).get(60, TimeUnit.SECONDS);
            assertEquals(1, timedOut.size());
            RowData r = timedOut.iterator().next();
            assertEquals("TIMEOUT", r.getString(1).toString());
            assertTrue(r.isNullAt(0), "no answer");

            JanusPredictor patient = new JanusPredictor(config, columns, null);
            patient.open(0);
            RowData answered = patient.predict(row, service).get(60, TimeUnit.SECONDS).iterator().next();
            assertNotNull(answered.getString(0));
            assertTrue(answered.isNullAt(1), "no error");
        } finally {
            service.release();
        }
    }
}
