package dev.janusstream.operators;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.Timings;
import dev.janusstream.runtime.UnderstandRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A model stand-in: deterministic answers, records its calls, fails on request ids starting with "poison". */
public class FakeBackend implements ModelBackend {
    public static final List<FakeBackend> INSTANCES = new CopyOnWriteArrayList<>();
    public static final Factory FACTORY = (dir, options) -> new FakeBackend();

    public final List<List<String>> calls = new CopyOnWriteArrayList<>();
    public final AtomicBoolean closed = new AtomicBoolean();
    public volatile long delayMs = 0;

    public FakeBackend() {
        INSTANCES.add(this);
    }

    private void call(String kind, List<String> ids) {
        calls.add(ids.stream().map(i -> kind + ":" + i).toList());
        if (closed.get()) {
            throw new IllegalStateException("closed");
        }
        if (delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ids.stream().anyMatch(i -> i.startsWith("poison"))) {
            throw new InvalidRequestException(InvalidRequestException.Code.IMAGE_UNDECODABLE, "poisoned");
        }
    }

    @Override
    public String modelId() {
        return "fake";
    }

    @Override
    public List<Answer> understand(List<UnderstandRequest> rs) {
        call("u", rs.stream().map(UnderstandRequest::id).toList());
        return rs.stream().map(r -> new Answer(r.id(), "answer to " + r.question() + " #" + r.params().seed(), new int[] {1, 2},
                new Timings(0, 1, 2, 3, 0))).toList();
    }

    @Override
    public List<Label> label(List<LabelRequest> rs) {
        call("l", rs.stream().map(LabelRequest::id).toList());
        return rs.stream().map(r -> new Label(r.id(), r.candidates().get(r.candidates().size() - 1), 0.75,
                new double[r.candidates().size()], Timings.ZERO)).toList();
    }

    @Override
    public List<GeneratedImage> generate(List<GenerateRequest> rs) {
        call("g", rs.stream().map(GenerateRequest::id).toList());
        List<GeneratedImage> out = new ArrayList<>();
        for (GenerateRequest r : rs) {
            for (int i = 0; i < r.parallelSize(); i++) {
                out.add(new GeneratedImage(r.id(), i, new byte[] {(byte) i}, r.format(), 4, 4, r.seed() + i, new int[16], Timings.ZERO));
            }
        }
        return out;
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
