package dev.janusstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static String run(boolean interactive, Duration quiet, Duration every) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress("generate", new PrintStream(bytes, true, StandardCharsets.UTF_8), interactive, quiet, every);
        for (int step = 1; step <= 4; step++) {
            p.stepped(0, 2, 4, 32, step, 4 - step, 1_000_000_000L);
        }
        p.imageDecoded(0, 2, 500_000_000L);
        p.imageDecoded(1, 2, 500_000_000L);
        p.finish();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void interactiveTerminalGetsOneLineUpdatedInPlace() {
        String out = run(true, Duration.ZERO, Duration.ZERO);
        assertTrue(out.startsWith("\rgenerate: step 1/4"), out);
        assertTrue(out.contains("\rgenerate: step 4/4"), out);
        assertTrue(out.contains("\rgenerate: image 2/2 decoded (VQ), 0s left"), out);
        assertEquals(1, out.chars().filter(c -> c == '\n').count(), "one line, rewritten with \\r, ended once: " + out);
        assertTrue(out.endsWith("\n"));
    }

    @Test
    void pipesAndLogsGetPlainPeriodicLines() {
        String out = run(false, Duration.ZERO, Duration.ofHours(1));
        assertFalse(out.contains("\r"));
        // the first line, then only the ends of each phase (the period is not reached)
        assertEquals(3, out.lines().count(), out);
        assertTrue(out.lines().allMatch(l -> l.startsWith("generate: ")), out);
        assertTrue(out.contains("step 4/4"), out);
        assertTrue(out.contains("tokens/s"), out);
    }

    @Test
    void shortWorkShowsNothing() {
        assertEquals("", run(true, Duration.ofHours(1), Duration.ZERO));
    }

    @Test
    void timeLeftIsReadable() {
        assertEquals("42s", Progress.time(42.4));
        assertEquals("2m05s", Progress.time(125));
        assertEquals("1h01m", Progress.time(3660));
    }
}
