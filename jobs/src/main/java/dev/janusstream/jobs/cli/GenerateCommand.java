package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.ImageFormat;
import dev.janusstream.runtime.JanusModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code generate --model DIR [--n N] [--seed S] [--cfg W] [--temperature T] --out DIR PROMPT...}. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate images from text prompts; writes PNG (or JPEG) files.")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true)
    Path model;

    @Option(names = "--n", defaultValue = "1", description = "images per prompt (default: ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--seed", defaultValue = "12345", description = "image i of a prompt uses seed + i (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--cfg", defaultValue = "5", description = "classifier-free guidance weight (default: ${DEFAULT-VALUE})")
    float cfg;

    @Option(names = "--temperature", defaultValue = "1", description = "0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0")
    int topK;

    @Option(names = "--top-p", defaultValue = "1")
    float topP;

    @Option(names = "--format", defaultValue = "png", description = "png or jpeg")
    String format;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Mixin
    RuntimeFlags runtime;

    @Parameters(arity = "1..*", paramLabel = "PROMPT")
    List<String> prompts;

    @Override
    public Integer call() throws Exception {
        RuntimeFlags.modelDir(model);
        ImageFormat fmt = ImageFormat.parse(format);
        List<GenerateRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            requests.add(new GenerateRequest("prompt" + i, prompts.get(i), n, cfg, temperature, topK, topP, seed, fmt));
        }
        Files.createDirectories(out);
        try (JanusModel m = JanusModel.load(model, runtime.options())) {
            Progress progress = Progress.onConsole("generate");
            m.setListener(progress);
            List<GeneratedImage> images = m.generate(requests);
            progress.finish();
            for (GeneratedImage img : images) {
                Path file = out.resolve(String.format(Locale.ROOT, "%s-%02d.%s", img.requestId(), img.index(),
                        fmt == ImageFormat.PNG ? "png" : "jpg"));
                Files.write(file, img.encoded());
                System.out.printf(Locale.ROOT, "%s %dx%d seed=%d %.0f ms%n", file, img.width(), img.height(), img.seed(),
                        img.timings().totalMs());
            }
        }
        return 0;
    }
}
