package dev.janusstream.jobs;

import dev.janusstream.operators.ModelBackend;
import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.Outcome;
import dev.janusstream.runtime.Timings;
import dev.janusstream.runtime.UnderstandRequest;
import java.util.ArrayList;
import java.util.List;

/** Stand-in model for pipeline plumbing checks without weights (-Djanus.test.fakeModel=true). */
public class FakeBackend implements ModelBackend {
    public static final Factory FACTORY = (dir, options) -> new FakeBackend();

    @Override
    public String modelId() {
        return "fake";
    }

    @Override
    public List<Outcome<Answer>> understand(List<UnderstandRequest> rs) {
        return rs.stream().map(r -> Outcome.ok(new Answer(r.id(), "fake answer " + r.params().seed(), new int[] {1}, Timings.ZERO))).toList();
    }

    @Override
    public List<Outcome<Label>> label(List<LabelRequest> rs) {
        return rs.stream().map(r -> Outcome.ok(new Label(r.id(), r.candidates().get(0), 1.0, new double[r.candidates().size()], Timings.ZERO))).toList();
    }

    @Override
    public List<Outcome<List<GeneratedImage>>> generate(List<GenerateRequest> rs) {
        List<Outcome<List<GeneratedImage>>> out = new ArrayList<>();
        for (GenerateRequest r : rs) {
            List<GeneratedImage> images = new ArrayList<>();
            for (int i = 0; i < r.parallelSize(); i++) {
                images.add(new GeneratedImage(r.id(), i, new byte[] {(byte) i}, r.format(), 64, 64, r.seed() + i, new int[16], Timings.ZERO));
            }
            out.add(Outcome.ok(images));
        }
        return out;
    }

    @Override
    public void close() {}
}
