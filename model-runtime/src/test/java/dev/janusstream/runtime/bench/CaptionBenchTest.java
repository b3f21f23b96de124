package dev.janusstream.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.ModelPreset;
import dev.janusstream.runtime.RuntimeOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bench caption} end to end on the tiny preset: every image answered, figures printed. */
class CaptionBenchTest {

    @Test
    void captionsEveryImageAndReportsImagesPerHour() {
        PrintStream original = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        System.setProperty("janus.bench.probeMiB", "64");
        try {
            CaptionBench.run(null, ModelPreset.TINY, RuntimeOptions.defaults(), 3, 4, 2);
        } finally {
            System.setOut(original);
            System.clearProperty("janus.bench.probeMiB");
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        original.print(out);
        Matcher run = Pattern.compile("caption +3 images \\((\\d+) prompt tokens each, 4 new tokens asked, (\\d+) generated").matcher(out);
        assertTrue(run.find(), out);
        assertTrue(Integer.parseInt(run.group(1)) > 16, "the prompt holds the 16 image tokens of the tiny preset and the question: " + run.group(1));
        int generated = Integer.parseInt(run.group(2));
        assertTrue(generated >= 3 && generated <= 12, "1..4 tokens per image, got " + generated);
        Matcher rate = Pattern.compile("([0-9.]+) images/hour").matcher(out);
        assertTrue(rate.find() && Double.parseDouble(rate.group(1)) > 0, out);
        assertTrue(out.contains("first touch") && out.contains("matmuls alone") && out.contains("where the time went"), out);
    }
}
