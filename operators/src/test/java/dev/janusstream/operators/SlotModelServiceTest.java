package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.UnderstandRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlotModelServiceTest {

    private static ModelSpec spec(String dir, int batch, long waitMs) {
        return new ModelSpec("/models/" + dir, "cpu", batch, waitMs, FakeBackend.FACTORY);
    }

    private static UnderstandRequest u(String id) {
        return new UnderstandRequest(id, List.of(new byte[] {1}), "q", DecodingParams.GREEDY);
    }

    @Test
    void loadsOnFirstAcquireSharesAndClosesWithTheLastRelease() {
        int loads = SlotModelService.COUNTERS.loads.get();
        int closes = SlotModelService.COUNTERS.closes.get();
        SlotModelService a = SlotModelService.acquire(spec("share", 4, 5), 0);
        SlotModelService b = SlotModelService.acquire(spec("share", 4, 5), 0);
        assertSame(a, b);
        assertSame(a.backend(), b.backend());
        assertEquals(loads + 1, SlotModelService.COUNTERS.loads.get());
        SlotModelService other = SlotModelService.acquire(spec("other", 4, 5), 0);
        assertNotSame(a, other);
        other.release();

        a.release();
        assertFalse(((FakeBackend) b.backend()).closed.get(), "still used by b");
        b.release();
        b.release(); // extra releases are harmless
        assertTrue(((FakeBackend) a.backend()).closed.get());
        assertEquals(closes + 2, SlotModelService.COUNTERS.closes.get());

        SlotModelService again = SlotModelService.acquire(spec("share", 4, 5), 0);
        assertNotSame(a, again, "a fresh model after the last user left");
        again.release();
    }

    @Test
    void batchesWaitingRequestsOfBothOperatorsIntoSharedCalls() throws Exception {
        SlotModelService understandSide = SlotModelService.acquire(spec("batch", 8, 300), 0);
        SlotModelService generateSide = SlotModelService.acquire(spec("batch", 8, 300), 0);
        try {
            FakeBackend fake = (FakeBackend) understandSide.backend();
            long mixed = SlotModelService.COUNTERS.mixedBatches.get();
            long shared = SlotModelService.COUNTERS.sharedForwardCalls.get();
            List<CompletableFuture<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(understandSide.understand(u("u" + i)));
            }
            CompletableFuture<List<GeneratedImage>> images = generateSide.generate(GenerateRequest.of("g0", "a cat", 2, 5));
            var label = understandSide.label(new LabelRequest("l0", List.of(new byte[] {1}), null, List.of("cat", "dog")));
            for (int i = 0; i < 3; i++) {
                assertEquals("answer to q #0", answers.get(i).get(5, TimeUnit.SECONDS).text());
                assertTrue(answers.get(i).get().timings().queueMs() >= 0);
            }
            List<GeneratedImage> imgs = images.get(5, TimeUnit.SECONDS);
            assertEquals(2, imgs.size());
            assertEquals(List.of(5L, 6L), imgs.stream().map(GeneratedImage::seed).toList());
            assertEquals("dog", label.get(5, TimeUnit.SECONDS).label());
            // one batch (cost 3 + 2 + 1 = 6 <= 8): one label call, then understanding and generation in one
            // shared serve call (the fake backend's default serve runs them one after the other)
            assertEquals(List.of(List.of("l:l0"), List.of("u:u0", "u:u1", "u:u2"), List.of("g:g0")), fake.calls);
            assertEquals(mixed + 1, SlotModelService.COUNTERS.mixedBatches.get());
            assertEquals(shared + 1, SlotModelService.COUNTERS.sharedForwardCalls.get());
        } finally {
            understandSide.release();
            generateSide.release();
        }
    }

    @Test
    void respectsMaxBatchSize() throws Exception {
        SlotModelService s = SlotModelService.acquire(spec("size", 2, 200), 0);
        try {
            List<CompletableFuture<Answer>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fs.add(s.understand(u("r" + i)));
            }
            CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            FakeBackend fake = (FakeBackend) s.backend();
            assertTrue(fake.calls.stream().allMatch(c -> c.size() <= 2), fake.calls.toString());
            assertEquals(5, fake.calls.stream().mapToInt(List::size).sum());
        } finally {
            s.release();
        }
    }

    @Test
    void aFailingRequestFailsAlone() throws Exception {
        SlotModelService s = SlotModelService.acquire(spec("poison", 8, 200), 0);
        try {
            var good1 = s.understand(u("good1"));
            var bad = s.understand(u("poison1"));
            var good2 = s.understand(u("good2"));
            assertEquals("answer to q #0", good1.get(5, TimeUnit.SECONDS).text());
            assertEquals("answer to q #0", good2.get(5, TimeUnit.SECONDS).text());
            CompletionException e = assertThrows(CompletionException.class, bad::join);
            assertEquals(ErrorCode.IMAGE_UNDECODABLE, SlotModelService.reject(e).code());
            assertEquals(1, ((FakeBackend) s.backend()).calls.size(), "one call, per-request outcomes");

            // a call that fails as a whole is re-run one request per call
            long retries = SlotModelService.COUNTERS.isolatedRetries.get();
            var good3 = s.understand(u("good3"));
            var boom = s.understand(u("explode1"));
            assertEquals("answer to q #0", good3.get(5, TimeUnit.SECONDS).text());
            assertEquals(ErrorCode.MODEL_FAILURE, SlotModelService.reject(assertThrows(CompletionException.class, boom::join)).code());
            assertEquals(retries + 2, SlotModelService.COUNTERS.isolatedRetries.get());
            assertEquals(ErrorCode.MODEL_FAILURE, SlotModelService.reject(new CompletionException(new RuntimeException("x"))).code());
        } finally {
            s.release();
        }
    }

    @Test
    void gpuPlacementFollowsTheSubtaskIndex() {
        ModelSpec auto = new ModelSpec("/m", "auto", 1, 0, FakeBackend.FACTORY);
        assertEquals(ai.djl.Device.gpu(1), auto.resolveDevice(3, 2));
        assertEquals(ai.djl.Device.cpu(), auto.resolveDevice(3, 0));
        assertEquals(ai.djl.Device.gpu(1), new ModelSpec("/m", "gpu:1", 1, 0, null).resolveDevice(0, 4));
        assertThrows(IllegalStateException.class, () -> new ModelSpec("/m", "gpu", 1, 0, null).resolveDevice(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ModelSpec("/m", "tpu", 1, 0, null));
        assertEquals(Duration.ofMillis(7).toMillis(), ModelSpec.of("/m").withBatching(3, Duration.ofMillis(7)).maxBatchWaitMs());
    }
}
