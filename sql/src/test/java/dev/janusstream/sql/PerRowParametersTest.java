package dev.janusstream.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Row-level parameters from the model's INPUT columns, in async and in sync ('async' = 'false') mode. */
class PerRowParametersTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));

    static Map<Integer, Row> byId(TableEnvironment t, String select) throws Exception {
        Map<Integer, Row> rows = new HashMap<>();
        try (CloseableIterator<Row> it = t.executeSql(select).collect()) {
            it.forEachRemaining(r -> assertNull(rows.put((Integer) r.getField("id"), r), "one row per id"));
        }
        return rows;
    }

    @Test
    void samplingParametersAndCandidateLabelsComeFromTheRow() throws Exception {
        String img = "X'" + HexFormat.of().formatHex(Files.readAllBytes(GOLDEN.resolve("images/imgB.png"))) + "'";
        TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        t.executeSql("CREATE TEMPORARY VIEW photos (id, image, question, temperature, seed, max_new_tokens, labels) AS VALUES "
                + "(1, " + img + ", 'What is it?', 1.0, 11, 5, ARRAY['sky', 'sea']), "
                + "(2, " + img + ", 'What is it?', 1.0, 11, 5, ARRAY['sky', 'sea']), "    // same as 1: same sample
                + "(3, " + img + ", 'What is it?', 1.0, 12, 5, ARRAY['a', 'b', 'c', 'd']), "
                + "(4, " + img + ", 'What is it?', -1.0, 11, 5, ARRAY['sky']), "         // temperature out of range
                + "(5, " + img + ", 'What is it?', 0.0, 11, 999, CAST(NULL AS ARRAY<STRING>))"); // too many tokens, no labels
        t.executeSql("CREATE TEMPORARY MODEL sampler INPUT (image BYTES, question STRING, temperature DOUBLE, seed BIGINT, max_new_tokens INT) "
                + "OUTPUT (answer STRING, token_count INT, error_code STRING, error_message STRING) "
                + "WITH ('provider' = 'janus', 'task' = 'understand', 'model-dir' = '" + GOLDEN + "', 'device' = 'cpu', 'max-new-tokens-limit' = '64')");
        t.executeSql("CREATE TEMPORARY MODEL labeler INPUT (image BYTES, question STRING, labels ARRAY<STRING>) "
                + "OUTPUT (label STRING, probability DOUBLE, candidates ARRAY<STRING>, error_code STRING) "
                + "WITH ('provider' = 'janus', 'task' = 'label', 'model-dir' = '" + GOLDEN + "', 'device' = 'cpu')");

        for (String async : List.of("true", "false")) {
            Map<Integer, Row> answers = byId(t, "SELECT id, answer, token_count, error_code, error_message FROM ML_PREDICT(TABLE photos, "
                    + "MODEL sampler, DESCRIPTOR(image, question, temperature, seed, max_new_tokens), MAP['async', '" + async + "'])");
            assertEquals(5, answers.size(), async);
            assertEquals(answers.get(1).getField("answer"), answers.get(2).getField("answer"), "seeded sampling: same row, same answer");
            for (int id : List.of(1, 2, 3)) {
                assertNotNull(answers.get(id).getField("answer"));
                assertTrue((Integer) answers.get(id).getField("token_count") <= 5, "the row's max_new_tokens");
            }
            assertEquals("INVALID_PARAMETERS", answers.get(4).getField("error_code"));
            assertTrue(((String) answers.get(4).getField("error_message")).contains("temperature"), answers.get(4).toString());
            assertEquals("INVALID_PARAMETERS", answers.get(5).getField("error_code"));
            assertTrue(((String) answers.get(5).getField("error_message")).contains("max_new_tokens 999 exceeds the limit 64"));

            Map<Integer, Row> labels = byId(t, "SELECT id, label, probability, candidates, error_code FROM ML_PREDICT(TABLE photos, "
                    + "MODEL labeler, DESCRIPTOR(image, question, labels), MAP['async', '" + async + "'])");
            assertEquals(5, labels.size());
            assertEquals(List.of("sky", "sea"), List.of((String[]) labels.get(1).getField("candidates")));
            assertTrue(List.of("a", "b", "c", "d").contains((String) labels.get(3).getField("label")));
            assertEquals(1.0, (Double) labels.get(4).getField("probability"), 1e-12, "one candidate: probability 1");
            assertEquals("INVALID_PARAMETERS", labels.get(5).getField("error_code"), "no candidate labels");
            assertNull(labels.get(5).getField("label"));
        }
    }
}
