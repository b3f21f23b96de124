package dev.janusstream.jobs.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user sees it, in a child JVM: libtorch's native stderr included (which
 * an in-process test cannot capture).
 */
class ConsoleTest {
    @TempDir Path tmp;

    record Run(int exit, String output) {}

    private Run cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), "dev.janusstream.jobs.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(tmp.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void captionPrintsItsAnswerAndNoLibtorchNoise() throws Exception {
        Path image = tmp.resolve("house.png");
        try (var in = getClass().getResourceAsStream("/samples/house.png")) {
            Files.copy(in, image);
        }
        Run r = cli("caption", "--model", System.getProperty("janus.golden.dir"), "--max-new-tokens", "3", image.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(image + ": "), r.output());
        assertFalse(r.output().contains("NNPACK"), r.output());
    }

    @Test
    void aBadModelDirectoryIsOneLineAndANonZeroExit() throws Exception {
        Run r = cli("caption", "--model", "/no/such/dir", "x.png");
        assertNotEquals(0, r.exit());
        assertEquals(List.of("caption: /no/such/dir: no such model directory"), r.output().lines().toList());

        Run verbose = cli("caption", "--model", "/no/such/dir", "--verbose", "x.png");
        assertNotEquals(0, verbose.exit());
        assertTrue(verbose.output().lines().count() > 3, "stack trace under --verbose: " + verbose.output());
        assertTrue(verbose.output().contains("at dev.janusstream."), verbose.output());
    }

    @Test
    void aBadParameterIsOneLineAndExitTwo() throws Exception {
        Run r = cli("generate", "--model", System.getProperty("janus.golden.dir"), "--out", "o", "--n", "many", "a cat");
        assertEquals(2, r.exit(), r.output());
        assertEquals(1, r.output().lines().count(), r.output());
        assertTrue(r.output().startsWith("generate: ") && r.output().contains("--n"), r.output());
    }
}
