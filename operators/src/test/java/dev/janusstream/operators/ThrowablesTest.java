package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

/** Errors, not only exceptions, end as one record's dead letter; the timeout path knows the request id without decoding. */
class ThrowablesTest {
    static final RequestLimits LIMITS = RequestLimits.defaults();
    static final DeadLetters LETTERS = new DeadLetters(1024);

    static KafkaInput prompt(String id, long offset) {
        return new KafkaInput("prompts", 0, offset, 0L, null,
                WireFormat.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId(id).setPrompt("a fox").build()));
    }

    @Test
    void anOutOfMemoryErrorInAModelCallFailsThatRequestAloneAndTheServiceGoesOn() throws Exception {
        SlotModelService s = SlotModelService.acquire(new ModelSpec("/models/oom", "cpu", 8, 50, FakeBackend.FACTORY), 0);
        try {
            GenerateFunction fn = new GenerateFunction(null, LIMITS, LETTERS);
            fn.attach(s);
            CompletableFuture<List<Outgoing>> bad = fn.handle(prompt("oom-1", 1));
            CompletableFuture<List<Outgoing>> good = fn.handle(prompt("fine-1", 2)); // same batch: the call fails as a whole
            List<Outgoing> b = bad.get(30, TimeUnit.SECONDS);
            assertEquals(1, b.size());
            DeadLetter d = WireFormat.DEAD_LETTER.decode(b.get(0).value);
            assertEquals("MODEL_FAILURE", d.getErrorCode());
            assertEquals("oom-1", d.getRequestId());
            assertTrue(d.getMessage().contains("OutOfMemoryError"), d.getMessage());
            assertEquals(Outgoing.Kind.IMAGE, good.get(30, TimeUnit.SECONDS).get(0).kind, "the other request of the batch is answered");
            assertEquals(Outgoing.Kind.IMAGE, fn.handle(prompt("fine-2", 3)).get(30, TimeUnit.SECONDS).get(0).kind, "and later ones");
        } finally {
            s.release();
        }
    }

    @Test
    void aTimeoutIsADeadLetterWithTheRequestIdDecodedOnArrival() throws Exception {
        SlotModelService s = SlotModelService.acquire(new ModelSpec("/models/slow", "cpu", 8, 0, FakeBackend.FACTORY), 0);
        try {
            ((FakeBackend) s.backend()).delayMs = 2_000;
            GenerateFunction fn = new GenerateFunction(null, LIMITS, LETTERS);
            fn.attach(s);
            KafkaInput in = prompt("slow-1", 7);
            CompletableFuture<List<Outgoing>> late = fn.handle(in);
            Collecting timedOut = new Collecting();
            fn.timeout(in, timedOut);
            assertEquals(1, timedOut.out.size());
            DeadLetter d = WireFormat.DEAD_LETTER.decode(timedOut.out.get(0).value);
            assertEquals("TIMEOUT", d.getErrorCode());
            assertEquals("slow-1", d.getRequestId());
            assertEquals("slow-1", timedOut.out.get(0).keyString());
            assertEquals(7, d.getSourceOffset());
            assertEquals(List.of(), late.get(30, TimeUnit.SECONDS), "a record that timed out gives nothing more when its model call ends");
        } finally {
            s.release();
        }
    }

    @Test
    void aDeadLetterIsBuiltEvenFromAnInputWithoutTopicOrValue() {
        Outgoing o = LETTERS.outgoing(new KafkaInput(null, 0, 3, 0L, new byte[5000], null), "x".repeat(10_000), ErrorCode.DESERIALIZATION,
                "m".repeat(100_000));
        DeadLetter d = WireFormat.DEAD_LETTER.decode(o.value);
        assertTrue(d.getRequestId().length() <= DeadLetters.MAX_REQUEST_ID_CHARS + 1);
        assertTrue(d.getMessage().length() <= DeadLetters.MAX_MESSAGE_CHARS + 1);
        assertEquals(1024, d.getKey().remaining(), "the key is kept up to the dead-letter byte limit");
        assertTrue(o.value.length < 8 * 1024, "bounded: " + o.value.length);
    }

    static final class Collecting implements ResultFuture<Outgoing> {
        final List<Outgoing> out = new ArrayList<>();

        @Override
        public void complete(Collection<Outgoing> result) {
            out.addAll(result);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            fail("completed exceptionally: " + error);
        }

        @Override
        public void complete(CollectionSupplier<Outgoing> supplier) {
            try {
                out.addAll(supplier.get());
            } catch (Exception e) {
                fail(e);
            }
        }
    }
}
