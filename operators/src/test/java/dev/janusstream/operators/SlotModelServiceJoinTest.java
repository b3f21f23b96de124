package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.JanusModel;
import dev.janusstream.runtime.UnderstandRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Requests queued while a model call runs join it between decode steps (real model, golden tiny checkpoint). */
class SlotModelServiceJoinTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static final CountDownLatch RUNNING = new CountDownLatch(1);
    static final CountDownLatch QUEUED = new CountDownLatch(1);

    /** The real model, whose first serve() call holds its first between-steps poll until the test has queued more work. */
    static final class GatedBackend extends ModelBackend.JanusBackend {
        private boolean gated;

        GatedBackend(JanusModel model) {
            super(model);
        }

        @Override
        public void serve(List<UnderstandRequest> understand, List<GenerateRequest> generate,
                JanusModel.ServeListener listener, JanusModel.Arrivals arrivals) {
            super.serve(understand, generate, listener, freeRows -> {
                if (!gated) {
                    gated = true;
                    RUNNING.countDown();
                    try {
                        QUEUED.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return arrivals.poll(freeRows);
            });
        }
    }

    /** The tiny checkpoint's images take 16 steps: let requests join with fewer steps to go than the default 32. */
    static final ModelBackend.Factory GATED = (dir, options) -> new GatedBackend(JanusModel.load(dir, options.withMinStepsLeftToJoin(4)));

    @Test
    void aQuestionQueuedDuringAGenerationIsAnsweredWithinIt() throws Exception {
        SlotModelService s = SlotModelService.acquire(new ModelSpec(GOLDEN.toString(), "cpu", 8, 5, GATED), 0);
        try {
            long joined = SlotModelService.COUNTERS.joinedRequests.get();
            List<String> order = new CopyOnWriteArrayList<>();
            GenerateRequest gen = GenerateRequest.of("g", "a lighthouse on a cliff", 2, 5);
            CompletableFuture<List<GeneratedImage>> images = s.generate(gen);
            images.thenRun(() -> order.add("images"));
            assertTrue(RUNNING.await(60, TimeUnit.SECONDS), "the generation started");

            UnderstandRequest question = new UnderstandRequest("q", List.of(Files.readAllBytes(GOLDEN.resolve("images/imgC.png"))),
                    "What is this?", DecodingParams.GREEDY.withMaxNewTokens(3));
            CompletableFuture<Answer> answer = s.understand(question);
            answer.thenRun(() -> order.add("answer"));
            QUEUED.countDown();

            Answer a = answer.get(60, TimeUnit.SECONDS);
            List<GeneratedImage> imgs = images.get(60, TimeUnit.SECONDS);
            assertEquals(List.of("answer", "images"), order, "answered while the images were still being generated");
            assertEquals(joined + 1, SlotModelService.COUNTERS.joinedRequests.get());
            assertTrue(a.timings().queueMs() >= 0);

            JanusModel model = ((GatedBackend) s.backend()).model();
            assertArrayEquals(model.understand(List.of(question)).get(0).tokenIds(), a.tokenIds(), "same answer as alone");
            List<GeneratedImage> alone = model.generate(List.of(gen));
            for (int k = 0; k < alone.size(); k++) {
                assertArrayEquals(alone.get(k).encoded(), imgs.get(k).encoded(), "image " + k + " as alone");
            }
        } finally {
            s.release();
        }
    }
}
