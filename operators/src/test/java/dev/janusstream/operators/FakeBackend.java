package dev.janusstream.operators;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.Outcome;
import dev.janusstream.runtime.Timings;
import dev.janusstream.runtime.UnderstandRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A model stand-in: deterministic answers, records its calls; "poison*" ids fail alone, "explode*" ids fail the whole call, "oom*" ids throw OutOfMemoryError from it. */
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
        if (ids.stream().anyMatch(i -> i.startsWith("oom"))) {
            throw new OutOfMemoryError("Java heap space (injected)");
        }
        if (ids.stream().anyMatch(i -> i.startsWith("explode"))) {
            throw new IllegalStateException("the whole call failed");
        }
    }

    private static <T> Outcome<T> outcome(String id, java.util.function.Supplier<T> value) {
        return id.startsWith("poison")
                ? Outcome.failed(new InvalidRequestException(InvalidRequestException.Code.IMAGE_UNDECODABLE, "poisoned"))
                : Outcome.ok(value.get());
    }

    @Override
    public String modelId() {
        return "fake";
    }

    @Override
    public List<Outcome<Answer>> understand(List<UnderstandRequest> rs) {
        call("u", rs.stream().map(UnderstandRequest::id).toList());
        return rs.stream().map(r -> outcome(r.id(), () -> new Answer(r.id(), "answer to " + r.question() + " #" + r.params().seed(),
                new int[] {1, 2}, new Timings(0, 1, 2, 3, 0)))).toList();
    }

    @Override
    public List<Outcome<Label>> label(List<LabelRequest> rs) {
        call("l", rs.stream().map(LabelRequest::id).toList());
        return rs.stream().map(r -> outcome(r.id(), () -> new Label(r.id(), r.candidates().get(r.candidates().size() - 1), 0.75,
                new double[r.candidates().size()], Timings.ZERO))).toList();
    }

    @Override
    public List<Outcome<List<GeneratedImage>>> generate(List<GenerateRequest> rs) {
        call("g", rs.stream().map(GenerateRequest::id).toList());
        List<Outcome<List<GeneratedImage>>> out = new ArrayList<>();
        for (GenerateRequest r : rs) {
            out.add(outcome(r.id(), () -> {
                List<GeneratedImage> images = new ArrayList<>();
                for (int i = 0; i < r.parallelSize(); i++) {
                    images.add(new GeneratedImage(r.id(), i, new byte[] {(byte) i}, r.format(), 4, 4, r.seed() + i, new int[16], Timings.ZERO));
                }
                return images;
            }));
        }
        return out;
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
