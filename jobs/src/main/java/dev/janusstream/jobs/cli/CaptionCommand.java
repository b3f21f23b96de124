package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.UnderstandRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code caption --model DIR [--question TEXT] IMAGE...}: one answer per image, in one batch. */
@Command(name = "caption", mixinStandardHelpOptions = true, description = "Answer a question about each image (default: describe it).")
public final class CaptionCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Janus-Pro model directory (Hugging Face layout)")
    Path model;

    @Option(names = "--question", description = "question to ask about each image (default: \"" + UnderstandRequest.DEFAULT_QUESTION + "\")")
    String question;

    @Option(names = "--max-new-tokens", defaultValue = "64")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default)")
    float temperature;

    @Option(names = "--top-p", defaultValue = "1")
    float topP;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Mixin
    RuntimeFlags runtime;

    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<Path> images;

    @Override
    public Integer call() throws Exception {
        RuntimeFlags.modelDir(model);
        DecodingParams params = new DecodingParams(maxNewTokens, temperature, 0, topP, seed);
        List<UnderstandRequest> requests = new ArrayList<>();
        for (Path image : images) {
            requests.add(new UnderstandRequest(image.toString(), List.of(Files.readAllBytes(image)), question, params));
        }
        try (JanusModel m = JanusModel.load(model, runtime.options())) {
            Progress progress = Progress.onConsole("caption");
            m.setListener(progress);
            int failures = 0;
            var outcomes = m.tryUnderstand(requests);
            progress.finish();
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i).isOk()) {
                    Answer a = outcomes.get(i).value();
                    System.out.println(a.id() + ": " + a.text());
                } else {
                    failures++;
                    System.out.println(images.get(i) + ": ERROR " + outcomes.get(i).error().getMessage());
                }
            }
            return failures == 0 ? 0 : 1;
        }
    }
}
