package dev.janusstream.jobs;

import dev.janusstream.operators.ModelBackend;
import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
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
    public List<Answer> understand(List<UnderstandRequest> rs) {
        return rs.stream().map(r -> new Answer(r.id(), "fake answer " + r.params().seed(), new int[] {1}, Timings.ZERO)).toList();
    }

    @Override
    public List<Label> label(List<LabelRequest> rs) {
        return rs.stream().map(r -> new Label(r.id(), r.candidates().get(0), 1.0, new double[r.candidates().size()], Timings.ZERO)).toList();
    }

    @Override
    public List<GeneratedImage> generate(List<GenerateRequest> rs) {
        List<GeneratedImage> out = new ArrayList<>();
        for (GenerateRequest r : rs) {
            for (int i = 0; i < r.parallelSize(); i++) {
                out.add(new GeneratedImage(r.id(), i, new byte[] {(byte) i}, r.format(), 64, 64, r.seed() + i, new int[16], Timings.ZERO));
            }
        }
        return out;
    }

    @Override
    public void close() {}
}
