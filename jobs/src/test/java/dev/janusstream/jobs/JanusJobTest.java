package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.operators.Outgoing;
import dev.janusstream.operators.SlotModelService;
import dev.janusstream.schemas.AnswerResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance on one embedded KRaft broker (shared by the class) and a Flink MiniCluster per job,
 * with the tiny golden Janus checkpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JanusJobTest {
    EmbeddedKafka kafka;
    @TempDir Path tmp;

    @BeforeAll
    void startKafka() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    void stopKafka() {
        kafka.close();
    }

    @Test
    void everyRequestEndsAsExactlyOneResultOrDeadLetterAndBothOperatorsShareOneModel() throws Exception {
        JobOptions o = Scenario.options(kafka.bootstrapServers(), "e2e", tmp.resolve("images"));
        SampleEvents events = SampleEvents.standard(o, tmp.resolve("images"), 2, 4);
        awaitAllModelsClosed(); // a service of an earlier test closes on its own worker thread
        int loads = SlotModelService.COUNTERS.loads.get();
        int closes = SlotModelService.COUNTERS.closes.get();
        int acquires = SlotModelService.COUNTERS.acquires.get();
        dev.janusstream.runtime.JanusModel.resetPeakLiveInstances();

        Scenario.Outcome out = Scenario.run(kafka.bootstrapServers(), o, events, x -> {});

        Scenario.assertExactlyOnce(out);
        assertEquals(4, out.reader().answers.size());
        assertEquals(4, out.reader().images.size());
        assertEquals(7, out.reader().deadLetters.size());
        // sharing: two operators in the one slot -> one load, one copy of the weights, closed with the last user
        assertEquals(2, SlotModelService.COUNTERS.acquires.get() - acquires, "understand + generate acquired the service");
        assertEquals(1, SlotModelService.COUNTERS.loads.get() - loads, "one model load for both operators");
        awaitAllModelsClosed();
        assertEquals(1, SlotModelService.COUNTERS.closes.get() - closes, "closed with the last user");
        assertEquals(0, SlotModelService.liveServices());
        assertEquals(1, dev.janusstream.runtime.JanusModel.peakLiveInstances(),
                "at most one copy of the weights was alive in the process at any time");
        assertEquals(0, dev.janusstream.runtime.JanusModel.liveInstances());
        // metadata echoed, answers keyed and timed
        AnswerResult sunset = out.reader().answers.stream().filter(a -> a.getRequestId().equals("img-sunset")).findFirst().orElseThrow();
        assertEquals("img-sunset", sunset.getMetadata().get("sample"));
        assertTrue(sunset.getTokenCount() >= 1 && sunset.getTokenCount() <= 4, "max_new_tokens respected: " + sunset.getTokenCount());
        assertTrue(out.reader().images.stream().allMatch(g -> g.getWidth() > 0 && g.getImage().remaining() > 0));
    }

    @Test
    void aTaskFailureMidStreamStillGivesExactlyOneResultPerRequest() throws Exception {
        JobOptions o = Scenario.options(kafka.bootstrapServers(), "failover", tmp.resolve("images"));
        SampleEvents events = SampleEvents.standard(o, tmp.resolve("images"), 2, 4);
        for (int i = 0; i < 6; i++) {
            events.caption("img-more-" + i, SampleEvents.sampleImage("house.png"), null, 4, i);
        }
        FailOnceAfterCheckpoint.reset();
        Scenario.Outcome out = Scenario.run(kafka.bootstrapServers(), o, events,
                x -> {
                    x.bounded = false; // checkpoints keep completing while the job runs
                    x.beforeSink = s -> s.map(new FailOnceAfterCheckpoint()).name("inject-failure");
                });

        assertTrue(FailOnceAfterCheckpoint.FAILED.get(), "the failure was injected");
        assertTrue(FailOnceAfterCheckpoint.PASSED_BEFORE_FAILURE.get() > 0, "some results passed before the failure");
        Scenario.assertExactlyOnce(out);
    }

    /** Slows the output down and throws once, after a checkpoint has completed and a few records passed. */
    static final class FailOnceAfterCheckpoint implements MapFunction<Outgoing, Outgoing>, CheckpointListener {
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        static final AtomicInteger PASSED_BEFORE_FAILURE = new AtomicInteger();

        static void reset() {
            FAILED.set(false);
            CHECKPOINTED.set(false);
            PASSED_BEFORE_FAILURE.set(0);
        }

        @Override
        public Outgoing map(Outgoing value) throws Exception {
            if (!FAILED.get()) {
                Thread.sleep(60); // lets checkpoints complete between records
                if (CHECKPOINTED.get() && PASSED_BEFORE_FAILURE.get() >= 5 && FAILED.compareAndSet(false, true)) {
                    throw new RuntimeException("injected task failure");
                }
                PASSED_BEFORE_FAILURE.incrementAndGet();
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            if (PASSED_BEFORE_FAILURE.get() > 0) {
                CHECKPOINTED.set(true);
            }
        }
    }

    /** Waits until every model the services loaded has been closed (closing runs on the service's worker). */
    private static void awaitAllModelsClosed() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (SlotModelService.COUNTERS.closes.get() < SlotModelService.COUNTERS.loads.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }
}
