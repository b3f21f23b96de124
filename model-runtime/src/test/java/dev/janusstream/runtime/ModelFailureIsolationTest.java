package dev.janusstream.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.generate.Understanding;
import dev.janusstream.runtime.text.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real out-of-memory in the middle of a model call (a Java heap {@link OutOfMemoryError}, a
 * libtorch allocation failure) fails only what it hit: the model's manager holds nothing more
 * afterwards and the next call gives the same results as before.
 */
class ModelFailureIsolationTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static JanusModel model;

    @BeforeAll
    static void load() {
        model = JanusModel.load(GOLDEN, RuntimeOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static byte[] image(String name) throws IOException {
        return Files.readAllBytes(GOLDEN.resolve("images").resolve(name + ".png"));
    }

    /** A real "Java heap space": more than any test heap can hold (16 GiB), refused at once by the JVM. */
    static long[] allocateTooMuch() {
        return new long[Integer.MAX_VALUE - 16];
    }

    @Test
    void javaHeapOutOfMemoryInAListenerMidLoopLeavesTheOtherRequestsAndTheModelIntact() throws IOException {
        UnderstandRequest u0 = new UnderstandRequest("u0", List.of(image("imgA")), "Describe the image.",
                DecodingParams.GREEDY.withMaxNewTokens(2));
        UnderstandRequest u1 = new UnderstandRequest("u1", List.of(image("imgB")), "What color is the square?",
                DecodingParams.GREEDY.withMaxNewTokens(10));
        GenerateRequest g0 = GenerateRequest.of("g0", "a red fox", 1, 7);
        List<Answer> alone = model.understand(List.of(u0, u1));
        List<GeneratedImage> aloneImages = model.generate(List.of(g0));
        int arraysBefore = model.manager().getManagedArrays().size();

        Map<Integer, Outcome<Answer>> answers = new HashMap<>();
        Map<Integer, Outcome<List<GeneratedImage>>> images = new HashMap<>();
        List<OutOfMemoryError> thrown = new ArrayList<>();
        model.serve(List.of(u0, u1), List.of(g0), new JanusModel.ServeListener() {
            @Override
            public void answer(int i, Outcome<Answer> o) {
                if (i == 0 && thrown.isEmpty()) {
                    try {
                        allocateTooMuch(); // u0 finishes first, while u1 and g0 are mid-loop
                    } catch (OutOfMemoryError e) {
                        thrown.add(e);
                        throw e;
                    }
                }
                answers.put(i, o);
            }

            @Override
            public void images(int i, Outcome<List<GeneratedImage>> o) {
                images.put(i, o);
            }
        });

        assertEquals(1, thrown.size(), "the out-of-memory happened inside the call");
        assertEquals("Java heap space", thrown.get(0).getMessage(), "a real heap exhaustion");
        assertArrayEquals(alone.get(1).tokenIds(), answers.get(1).get().tokenIds(), "u1, run again alone, as alone");
        assertArrayEquals(aloneImages.get(0).encoded(), images.get(0).get().get(0).encoded(), "g0 as alone");
        assertEquals(arraysBefore, model.manager().getManagedArrays().size(), "nothing left on the model's manager");
        // and the model serves normally afterwards
        assertArrayEquals(alone.get(0).tokenIds(), model.understand(List.of(u0)).get(0).tokenIds());
        assertEquals(arraysBefore, model.manager().getManagedArrays().size());
    }

    @Test
    void libtorchAllocationFailureMidLoopFreesTheStepAndTheModelKeepsWorking() throws IOException {
        ChatTemplate template = new ChatTemplate(model.tokenizer(), model.config().chatProcessor().numImageTokens(), 1000);
        Understanding.Input in = new Understanding.Input(template.understanding("Say something long.", 0), List.of(),
                SamplingParams.GREEDY, new RowRng(0), 12);
        Understanding understanding = new Understanding(model.network(), model.tokenizer().padId(), model.tokenizer().eosId());
        int[] want = understanding.run(List.of(in), model.manager()).get(0).tokens();
        int arraysBefore = model.manager().getManagedArrays().size();
        int[] steps = {0};

        EngineException e = assertThrows(EngineException.class, () -> understanding.run(List.of(in), model.manager(),
                (rows, logits) -> {
                    if (++steps[0] == 3) { // 4 TiB of float32, in the step's own manager: libtorch refuses it
                        logits.getManager().zeros(new Shape(1L << 40));
                    }
                }));
        assertTrue(e.getMessage().toLowerCase().contains("allocate"), "a real libtorch allocation failure: " + e.getMessage());
        assertEquals(arraysBefore, model.manager().getManagedArrays().size(), "the failed loop left nothing behind");
        assertArrayEquals(want, understanding.run(List.of(in), model.manager()).get(0).tokens(), "later call as before");
        assertNotNull(model.understand(List.of(new UnderstandRequest("after", List.of(image("imgC")), "What is this?",
                DecodingParams.GREEDY.withMaxNewTokens(3)))).get(0));
    }

    @Test
    void errorsBecomeModelFailureOutcomes() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        RuntimeException r = ModelFailureException.of(oom);
        assertInstanceOf(ModelFailureException.class, r);
        assertTrue(r.getMessage().contains("out of memory: Java heap space"));
        IllegalStateException ise = new IllegalStateException("x");
        assertEquals(ise, ModelFailureException.of(ise));
    }
}
