package dev.janusstream.sql;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A janus model's options and columns are checked when a query using it is planned, with every problem named. */
class ModelValidationTest {
    static final String DIR = Path.of(System.getProperty("janus.golden.dir")).toString();
    static TableEnvironment t;
    static int n;

    @BeforeAll
    static void env() {
        t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        t.executeSql("CREATE TEMPORARY VIEW photos(id, image, question) AS VALUES (1, X'00', 'q')");
        t.executeSql("CREATE TEMPORARY VIEW prompts(id, prompt) AS VALUES (1, 'a fox')");
    }

    /** Plans ML_PREDICT over a model of these columns and options; returns the whole error text. */
    static String planError(String input, String output, String with, String table, String descriptor) {
        String name = "m" + (++n);
        t.executeSql("CREATE TEMPORARY MODEL " + name + " INPUT (" + input + ") OUTPUT (" + output + ") WITH ('provider' = 'janus', " + with + ")");
        Throwable e = assertThrows(Throwable.class,
                () -> t.explainSql("SELECT * FROM ML_PREDICT(TABLE " + table + ", MODEL " + name + ", DESCRIPTOR(" + descriptor + "))"));
        return ExceptionUtils.stringifyException(e);
    }

    static void assertMentions(String error, String... parts) {
        for (String p : parts) {
            assertTrue(error.contains(p), "error should mention <" + p + ">:\n" + error);
        }
    }

    @Test
    void optionsAreValidatedAtPlanning() {
        assertMentions(planError("image BYTES", "answer STRING", "'task' = 'understand'", "photos", "image"),
                "Missing required options", "model-dir");
        assertMentions(planError("image BYTES", "answer STRING", "'task' = 'caption', 'model-dir' = '" + DIR + "'", "photos", "image"),
                "task", "caption");
        assertMentions(planError("image BYTES", "answer STRING", "'task' = 'understand', 'model-dir' = '" + DIR + "', 'cfg_weight' = '3'",
                "photos", "image"), "Unsupported options", "cfg_weight");
        assertMentions(planError("image BYTES", "answer STRING", "'task' = 'understand', 'model-dir' = '" + DIR + "', 'cfg-weight' = '3', "
                + "'top-p' = '2', 'max-new-tokens' = '0'", "photos", "image"),
                "option 'cfg-weight' does not apply to task 'understand'", "'top-p' must be in (0, 1], got 2.0",
                "'max-new-tokens' must be in [1, max-new-tokens-limit = 512], got 0");
        assertMentions(planError("image BYTES", "label STRING", "'task' = 'label', 'model-dir' = '" + DIR + "'", "photos", "image"),
                "task 'label' needs candidate labels");
        assertMentions(planError("prompt STRING", "image BYTES", "'task' = 'generate', 'model-dir' = '" + DIR + "', 'image-format' = 'gif', "
                + "'num-images' = '20'", "prompts", "prompt"), "'image-format'", "gif", "'num-images' must be in [1, max-images-per-prompt = 16], got 20");
    }

    @Test
    void columnsAreValidatedAtPlanning() {
        assertMentions(planError("image BYTES", "caption STRING", "'task' = 'understand', 'model-dir' = '" + DIR + "'", "photos", "image"),
                "OUTPUT column 'caption' is not one task understand knows (answer STRING, token_count INT, error_code STRING, error_message STRING)",
                "OUTPUT must have at least one of [answer, token_count]");
        assertMentions(planError("picture BYTES, question STRING", "answer STRING", "'task' = 'understand', 'model-dir' = '" + DIR + "'",
                "photos", "image, question"), "INPUT column 'picture' is not one task understand knows", "INPUT must have a column 'image' (BYTES)");
        assertMentions(planError("prompt STRING", "image STRING", "'task' = 'generate', 'model-dir' = '" + DIR + "'", "prompts", "prompt"),
                "OUTPUT column 'image' must be BYTES");
    }
}
