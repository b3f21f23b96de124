package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.golden.GoldenVerifier;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code verify-golden DIR}: every golden case, one line each; non-zero exit on any FAIL. */
@Command(name = "verify-golden", mixinStandardHelpOptions = true,
        description = "Check the runtime against golden outputs of the official implementation.")
public final class VerifyGoldenCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "golden directory (model files + cases.safetensors, optional bf16/ and bin/)")
    Path dir;

    @Override
    public Integer call() {
        List<GoldenVerifier.CaseResult> results = GoldenVerifier.verify(dir);
        results.forEach(System.out::println);
        long failed = results.stream().filter(r -> !r.pass()).count();
        System.out.println(results.size() - failed + " passed, " + failed + " failed");
        return failed == 0 && !results.isEmpty() ? 0 : 1;
    }
}
