package dev.janusstream.jobs;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model the demo (and the pipeline benchmark) run when no {@code --model} is given: a tiny
 * random-weight checkpoint written by the runtime's {@code TinyCheckpoint} when it is available,
 * else the golden tiny checkpoint of the test data when present.
 */
final class DemoModel {
    private DemoModel() {}

    static Path resolve(Path given, Path out, long seed) {
        if (given != null) {
            if (!Files.isDirectory(given)) {
                throw new IllegalArgumentException("--model " + given + " is not a directory");
            }
            return given;
        }
        Path written = writeTiny(out.resolve("model"), seed);
        if (written != null) {
            return written;
        }
        for (Path golden : goldenCandidates()) {
            if (Files.isRegularFile(golden.resolve("config.json"))) {
                return golden;
            }
        }
        throw new IllegalStateException("no model: pass --model DIR (a Janus-Pro checkpoint directory)");
    }

    /** {@code dev.janusstream.runtime.TinyCheckpoint.write(Path, long)} if the runtime provides it. */
    private static Path writeTiny(Path dir, long seed) {
        try {
            Class<?> c = Class.forName("dev.janusstream.runtime.TinyCheckpoint");
            Method m = c.getMethod("write", Path.class, long.class);
            if (!Files.isRegularFile(dir.resolve("config.json"))) {
                Files.createDirectories(dir);
                m.invoke(null, dir, seed);
            }
            return dir;
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            return null;
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the tiny demo model to " + dir + ": " + e, e);
        }
    }

    private static List<Path> goldenCandidates() {
        List<Path> c = new ArrayList<>();
        String prop = System.getProperty("janus.golden.dir");
        if (prop != null) {
            c.add(Path.of(prop));
        }
        String env = System.getenv("JANUS_GOLDEN_DIR");
        if (env != null) {
            c.add(Path.of(env));
        }
        c.add(Path.of("..", "shared", "golden", "janus-tiny"));
        c.add(Path.of("shared", "golden", "janus-tiny"));
        return c;
    }
}
