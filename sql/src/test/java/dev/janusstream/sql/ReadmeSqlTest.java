package dev.janusstream.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SQL printed in README.md, run as printed (the tiny model's path is the one thing replaced). */
class ReadmeSqlTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static final Path README = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "README.md");

    /** The ```sql block that follows the marker comment {@code <!-- name...}. */
    static List<String> statements(String marker) throws Exception {
        String readme = Files.readString(Files.exists(README) ? README : Path.of("../README.md"));
        int at = readme.indexOf("<!-- " + marker);
        assertTrue(at >= 0, "README has the marker " + marker);
        int start = readme.indexOf("```sql\n", at) + "```sql\n".length();
        String block = readme.substring(start, readme.indexOf("\n```", start));
        List<String> out = new ArrayList<>();
        for (String s : block.split(";\\s*\n")) {
            if (!s.isBlank()) {
                out.add(s.strip().replaceAll(";$", ""));
            }
        }
        return out;
    }

    static List<Row> collect(TableEnvironment t, String select) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = t.executeSql(select).collect()) {
            it.forEachRemaining(rows::add);
        }
        rows.sort((a, b) -> ((Integer) a.getField(0)) * 100 + num(a.getField(1)) - ((Integer) b.getField(0)) * 100 - num(b.getField(1)));
        return rows;
    }

    static int num(Object o) {
        return o instanceof Integer i ? i : 0;
    }

    @Test
    void quickStartRunsAsPrintedAgainstTheTinyModel() throws Exception {
        TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        List<List<Row>> results = new ArrayList<>();
        for (String s : statements("sql-quickstart")) {
            s = s.replace("'models/janus-tiny'", "'" + GOLDEN + "'");
            if (s.startsWith("SELECT")) {
                results.add(collect(t, s));
            } else {
                t.executeSql(s);
            }
        }
        assertEquals(3, results.size(), "three queries");

        List<Row> captions = results.get(0);
        assertEquals(3, captions.size(), "one row per image row: " + captions);
        for (Row r : captions.subList(0, 2)) {
            assertNotNull(r.getField("answer"), r.toString());
            int tokens = (Integer) r.getField("token_count");
            assertTrue(tokens >= 1 && tokens <= 16, r.toString());
            assertNull(r.getField("error_code"), r.toString());
        }
        assertNull(captions.get(2).getField("answer"));
        assertEquals("IMAGE_UNDECODABLE", captions.get(2).getField("error_code"));

        List<Row> labels = results.get(1);
        assertEquals(3, labels.size(), labels.toString());
        for (Row r : labels.subList(0, 2)) {
            assertTrue(Set.of("red", "blue", "green").contains((String) r.getField("label")), r.toString());
            double p = (Double) r.getField("probability");
            assertTrue(p >= 1.0 / 3 - 1e-9 && p <= 1.0, "the best of three candidates: " + r);
        }
        assertEquals("IMAGE_UNDECODABLE", labels.get(2).getField("error_code"));

        List<Row> images = results.get(2);
        assertEquals(3, images.size(), "2 images for prompt 1, 1 for prompt 2: " + images);
        assertEquals(List.of(List.of(1, 0, 42L), List.of(1, 1, 43L), List.of(2, 0, 42L)),
                images.stream().map(r -> List.of(r.getField("id"), r.getField("index"), r.getField("seed"))).toList());
        for (Row r : images) {
            assertEquals(64, r.getField("width"), "the tiny model's 4 x 4 token grid, 16 pixels a token: " + r);
            assertEquals(64, r.getField("height"));
            assertNull(r.getField("error_code"));
        }
    }

    @Test
    void kafkaPipelinePlans() throws Exception {
        TableEnvironment t = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        List<String> statements = statements("sql-kafka");
        assertEquals(5, statements.size(), statements.toString());
        for (String s : statements) {
            java.util.regex.Matcher set = java.util.regex.Pattern.compile("SET '([^']+)' = '([^']+)'").matcher(s);
            if (set.matches()) { // a SQL client statement: what the client does with it
                t.getConfig().set(set.group(1), set.group(2));
            } else if (s.startsWith("INSERT")) {
                String plan = t.explainSql(s);
                assertTrue(plan.contains("ML_PREDICT") || plan.contains("MLPredict"), plan);
            } else {
                t.executeSql(s);
            }
        }
    }
}
