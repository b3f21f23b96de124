package dev.janusstream.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.golden.GoldenCases;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.ChatTemplate;
import dev.janusstream.runtime.text.Prompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public API end to end on the golden tiny checkpoint: encoded images and text in, answers and PNGs out. */
class JanusModelTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static JanusModel model;
    static GoldenCases g;

    @BeforeAll
    static void load() {
        model = JanusModel.load(GOLDEN, RuntimeOptions.defaults());
        g = GoldenCases.open(GOLDEN.resolve("cases.safetensors"));
    }

    @AfterAll
    static void close() {
        g.close();
        model.close();
    }

    static byte[] image(String name) throws IOException {
        return Files.readAllBytes(GOLDEN.resolve("images").resolve(name + ".png"));
    }

    static int[] untilEos(int[] ids, int eos) {
        int n = 0;
        while (n < ids.length && ids[n] != eos) {
            n++;
        }
        return Arrays.copyOf(ids, n);
    }

    @Test
    void answersFromEncodedImagesMatchTheOfficialGreedyTokens() throws IOException {
        int eos = model.tokenizer().eosId();
        List<Answer> single = model.understand(List.of(new UnderstandRequest("c", List.of(image("imgA")),
                "Describe the image.", DecodingParams.GREEDY.withMaxNewTokens(12))));
        assertArrayEquals(untilEos(g.ints("und.greedy_ids"), eos), single.get(0).tokenIds());

        // case d: two prompts of different lengths, one and two images, in one left-padded batch
        List<Answer> batch = model.understand(List.of(
                new UnderstandRequest("d0", List.of(image("imgB")), "What color is the square?", DecodingParams.GREEDY.withMaxNewTokens(8)),
                new UnderstandRequest("d1", List.of(image("imgA"), image("imgC")), "Compare the two images.",
                        DecodingParams.GREEDY.withMaxNewTokens(8))));
        int[] want = g.ints("batch.greedy_ids");
        assertArrayEquals(untilEos(Arrays.copyOfRange(want, 0, 8), eos), batch.get(0).tokenIds());
        assertArrayEquals(untilEos(Arrays.copyOfRange(want, 8, 16), eos), batch.get(1).tokenIds());
        assertEquals("d1", batch.get(1).id());
        assertEquals(model.tokenizer().decode(batch.get(1).tokenIds()), batch.get(1).text());
    }

    @Test
    void sampledAnswerDependsOnlyOnItsSeed() throws IOException {
        DecodingParams sampled = new DecodingParams(10, 1.0f, 0, 0.95f, 42);
        UnderstandRequest r = new UnderstandRequest("s", List.of(image("imgB")), "What is this?", sampled);
        Answer alone = model.understand(List.of(r)).get(0);
        List<Answer> mixed = model.understand(List.of(
                new UnderstandRequest("x", List.of(image("imgA"), image("imgC")), "Compare.", new DecodingParams(4, 0.7f, 5, 1f, 7)),
                r,
                new UnderstandRequest("y", List.of(), "Hello there, how are you today?", DecodingParams.GREEDY.withMaxNewTokens(3))));
        assertArrayEquals(alone.tokenIds(), mixed.get(1).tokenIds());
        Answer otherSeed = model.understand(List.of(new UnderstandRequest("s", List.of(image("imgB")), "What is this?",
                new DecodingParams(10, 1.0f, 0, 0.95f, 43)))).get(0);
        assertFalse(Arrays.equals(alone.tokenIds(), otherSeed.tokenIds()), "a different seed should change a 10-token sample");
    }

    @Test
    void rowsThatFinishEarlyLeaveWithoutDisturbingTheOthers() throws IOException {
        // Different budgets: rows leave the batch at different steps and the running rows are
        // compacted into the freed KV slots; each answer must equal the request run alone. Five rows
        // of ~270 prompt tokens also exceed MixedBatch.PREFILL_TOKENS, so the prefill runs in row chunks.
        List<UnderstandRequest> requests = List.of(
                new UnderstandRequest("a", List.of(image("imgA")), "Describe.", DecodingParams.GREEDY.withMaxNewTokens(2)),
                new UnderstandRequest("b", List.of(image("imgB"), image("imgC")), "Compare them.", DecodingParams.GREEDY.withMaxNewTokens(12)),
                new UnderstandRequest("c", List.of(), "Say something.", new DecodingParams(5, 0.9f, 0, 1f, 3)),
                new UnderstandRequest("d", List.of(image("imgC")), "Describe.", DecodingParams.GREEDY.withMaxNewTokens(1)),
                new UnderstandRequest("e", List.of(image("imgB")), "What is it?", new DecodingParams(9, 1.2f, 20, 0.9f, 11)));
        List<Answer> together = model.understand(requests);
        for (int i = 0; i < requests.size(); i++) {
            Answer alone = model.understand(List.of(requests.get(i))).get(0);
            assertArrayEquals(alone.tokenIds(), together.get(i).tokenIds(), "request " + requests.get(i).id());
            assertTrue(alone.tokenIds().length <= requests.get(i).params().maxNewTokens());
        }
    }

    @Test
    void callsLeaveNothingBehindOnTheModel() throws IOException {
        // DJL puts an op's result in its first operand's manager; for a weight that is the model's,
        // which lives as long as the process. Every request must leave the model's manager as it was.
        List<UnderstandRequest> und = List.of(new UnderstandRequest("a", List.of(image("imgA")), "Describe.",
                DecodingParams.GREEDY.withMaxNewTokens(4)));
        GenerateRequest gen = GenerateRequest.of("g", "a cat", 1, 1);
        JanusModel.ServeListener ignore = new JanusModel.ServeListener() {
            @Override
            public void answer(int i, Outcome<Answer> o) {}

            @Override
            public void images(int i, Outcome<List<GeneratedImage>> o) {}
        };
        model.understand(und); // warm-up
        int before = model.manager().getManagedArrays().size();
        for (int i = 0; i < 2; i++) {
            model.understand(und);
            model.generate(List.of(gen));
            model.label(List.of(new LabelRequest("l", List.of(image("imgB")), null, List.of("x", "y"))));
            model.serve(und, List.of(gen), ignore);
        }
        assertEquals(before, model.manager().getManagedArrays().size(), "arrays left on the model's manager");
    }

    @Test
    void badRequestsFailAloneWithAReason() throws IOException {
        List<Outcome<Answer>> out = model.tryUnderstand(List.of(
                new UnderstandRequest("ok", List.of(image("imgA")), null, DecodingParams.GREEDY.withMaxNewTokens(2)),
                new UnderstandRequest("empty", List.of(new byte[0]), null, DecodingParams.GREEDY),
                new UnderstandRequest("text", List.of("not an image".getBytes()), null, DecodingParams.GREEDY),
                new UnderstandRequest("long", List.of(), "x".repeat(5000), DecodingParams.GREEDY)));
        assertTrue(out.get(0).isOk());
        assertEquals(InvalidRequestException.Code.IMAGE_EMPTY, ((InvalidRequestException) out.get(1).error()).code());
        assertEquals(InvalidRequestException.Code.IMAGE_UNDECODABLE, ((InvalidRequestException) out.get(2).error()).code());
        assertEquals(InvalidRequestException.Code.PROMPT_TOO_LONG, ((InvalidRequestException) out.get(3).error()).code());
        assertThrows(InvalidRequestException.class, () -> new DecodingParams(0, 0f, 0, 1f, 0));
        assertThrows(InvalidRequestException.class, () -> new DecodingParams(5, -1f, 0, 1f, 0));
        assertThrows(InvalidRequestException.class, () -> new GenerateRequest("g", "p", 1, 99f, 1f, 0, 1f, 0, null));
        var tooMany = model.tryGenerate(List.of(GenerateRequest.of("g", "a cat", 17, 1)));
        assertEquals(InvalidRequestException.Code.BATCH_TOO_LARGE, ((InvalidRequestException) tooMany.get(0).error()).code());
    }

    @Test
    void sameSeedSameImageAloneOrInAMixedBatch() {
        GenerateRequest r = GenerateRequest.of("g", "a red square on grey", 2, 12345);
        List<GeneratedImage> first = model.generate(List.of(r));
        List<GeneratedImage> again = model.generate(List.of(r));
        assertEquals(2, first.size());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(first.get(i).encoded(), again.get(i).encoded(), "same seed must give byte-identical PNGs");
            assertEquals(64, first.get(i).width());
            assertEquals(12345 + i, first.get(i).seed());
        }
        assertFalse(Arrays.equals(first.get(0).tokens(), first.get(1).tokens()), "images of one request use different seeds");
        List<GeneratedImage> mixed = model.generate(List.of(
                new GenerateRequest("other", "a much longer prompt about a blue circle on a white background", 3, 3f, 0.8f, 0, 1f, 7, ImageFormat.JPEG),
                r));
        assertEquals(5, mixed.size());
        assertArrayEquals(first.get(0).encoded(), mixed.get(3).encoded(), "image 0 alone vs in a mixed batch");
        assertArrayEquals(first.get(1).encoded(), mixed.get(4).encoded(), "image 1 alone vs in a mixed batch");
        assertEquals(ImageFormat.JPEG, mixed.get(0).format());
        assertEquals((byte) 0xFF, mixed.get(0).encoded()[0]);
        assertEquals((byte) 0x89, first.get(0).encoded()[0]); // PNG signature
    }

    @Test
    void understandingAndGenerationShareForwardsWithTheSameResults() throws IOException {
        List<UnderstandRequest> und = List.of(
                new UnderstandRequest("a", List.of(image("imgA")), "Describe.", DecodingParams.GREEDY.withMaxNewTokens(3)),
                new UnderstandRequest("bad", List.of(new byte[] {1, 2, 3}), null, DecodingParams.GREEDY),
                new UnderstandRequest("b", List.of(image("imgB"), image("imgC")), "Compare.", new DecodingParams(7, 0.8f, 0, 0.9f, 5)));
        // Generation prompts about as long as the understanding prompts (system prompt + image slots),
        // so that sharing forwards is worth it and the shared path runs.
        String scene = "A quiet harbour at dawn, fishing boats with red and white hulls, gulls over the water, "
                + "low fog on the hills behind the town, warm light on the old stone houses along the quay, ";
        List<GenerateRequest> gen = List.of(GenerateRequest.of("g1", scene + "painted in oils", 2, 99),
                new GenerateRequest("g2", scene + "as a pencil sketch with soft shading", 1, 3f, 0.7f, 10, 1f, 4, ImageFormat.PNG));
        long shared = model.sharedRounds();
        List<String> events = new ArrayList<>();
        Answer[] answers = new Answer[und.size()];
        RuntimeException[] errors = new RuntimeException[und.size()];
        List<List<GeneratedImage>> images = new ArrayList<>(java.util.Collections.nCopies(gen.size(), null));
        model.serve(und, gen, new JanusModel.ServeListener() {
            @Override
            public void answer(int i, Outcome<Answer> o) {
                events.add("answer " + i);
                answers[i] = o.value();
                errors[i] = o.error();
            }

            @Override
            public void images(int i, Outcome<List<GeneratedImage>> o) {
                events.add("images " + i);
                images.set(i, o.get());
            }
        });
        assertEquals(shared + 1, model.sharedRounds(), "understanding and generation rows shared their forwards");
        assertEquals(InvalidRequestException.Code.IMAGE_UNDECODABLE, ((InvalidRequestException) errors[1]).code());
        assertTrue(events.indexOf("answer 0") < events.indexOf("images 0"), "a short answer does not wait for the images: " + events);
        for (int i : new int[] {0, 2}) {
            assertArrayEquals(model.understand(List.of(und.get(i))).get(0).tokenIds(), answers[i].tokenIds(), und.get(i).id());
        }
        for (int i = 0; i < gen.size(); i++) {
            List<GeneratedImage> alone = model.generate(List.of(gen.get(i)));
            assertEquals(alone.size(), images.get(i).size());
            for (int k = 0; k < alone.size(); k++) {
                assertArrayEquals(alone.get(k).encoded(), images.get(i).get(k).encoded(), gen.get(i).id() + " image " + k);
            }
        }
    }

    /** Collects a serve() call's outcomes, and the order in which they came. */
    static final class Collected implements JanusModel.ServeListener {
        final List<String> events = new ArrayList<>();
        final java.util.Map<Integer, Outcome<Answer>> answers = new java.util.HashMap<>();
        final java.util.Map<Integer, Outcome<List<GeneratedImage>>> images = new java.util.HashMap<>();
        final String name;

        Collected(String name) {
            this.name = name;
        }

        @Override
        public void answer(int i, Outcome<Answer> o) {
            events.add(name + " answer " + i);
            answers.put(i, o);
        }

        @Override
        public void images(int i, Outcome<List<GeneratedImage>> o) {
            events.add(name + " images " + i);
            images.put(i, o);
        }
    }

    static void assertSameImages(List<GeneratedImage> want, List<GeneratedImage> got, String what) {
        assertEquals(want.size(), got.size(), what);
        for (int k = 0; k < want.size(); k++) {
            assertArrayEquals(want.get(k).encoded(), got.get(k).encoded(), what + " image " + k);
        }
    }

    @Test
    void longUnderstandingPromptsShareForwardsWithShortImagePrompts() throws IOException {
        // Each kind has its own KV cache, so a long image-understanding prompt does not pad the image rows.
        long shared = model.sharedRounds();
        UnderstandRequest u = new UnderstandRequest("u", List.of(image("imgA"), image("imgB")), "Compare.",
                DecodingParams.GREEDY.withMaxNewTokens(4));
        GenerateRequest gen = GenerateRequest.of("g", "a cat", 4, 1);
        Collected c = new Collected("first");
        model.serve(List.of(u), List.of(gen), c);
        assertEquals(shared + 1, model.sharedRounds(), "understanding and generation rows shared their forwards");
        assertArrayEquals(model.understand(List.of(u)).get(0).tokenIds(), c.answers.get(0).get().tokenIds());
        assertSameImages(model.generate(List.of(gen)), c.images.get(0).get(), "g");
    }

    @Test
    void requestsArrivingDuringAGenerationJoinItAndGetTheirAloneResults() throws IOException {
        GenerateRequest running = GenerateRequest.of("g0", "a lighthouse on a cliff at night", 2, 5);
        UnderstandRequest question = new UnderstandRequest("q", List.of(image("imgC")), "What is this?",
                DecodingParams.GREEDY.withMaxNewTokens(3));
        UnderstandRequest bad = new UnderstandRequest("bad", List.of(new byte[] {7}), "?", DecodingParams.GREEDY);
        GenerateRequest late = new GenerateRequest("g1", "two red apples", 1, 3f, 0.9f, 0, 1f, 11, ImageFormat.PNG);
        int steps = model.config().genTokensPerImage(); // 16 on the tiny checkpoint
        try (JanusModel joining = JanusModel.load(GOLDEN, RuntimeOptions.defaults().withMinStepsLeftToJoin(steps / 2))) {
            Collected first = new Collected("first");
            Collected joined = new Collected("joined");
            int[] polls = {0};
            List<Integer> freeRowsSeen = new ArrayList<>();
            joining.generate(List.of(late)); // warm-up
            int arraysBefore = joining.manager().getManagedArrays().size();
            joining.serve(List.of(), List.of(running), first, freeRows -> {
                polls[0]++;
                freeRowsSeen.add(freeRows);
                if (polls[0] == 4) { // three steps into the generation
                    return new JanusModel.Arrival(List.of(question, bad), List.of(late), joined);
                }
                return null;
            });
            assertEquals(arraysBefore, joining.manager().getManagedArrays().size(), "groups leave nothing on the model's manager");
            assertEquals(RuntimeOptions.defaults().maxBatchRows() - 4, freeRowsSeen.get(0), "two images hold four rows");
            assertTrue(polls[0] < steps + 1, "not asked once the running rows are nearly done: " + polls[0]);
            assertEquals(InvalidRequestException.Code.IMAGE_UNDECODABLE,
                    ((InvalidRequestException) joined.answers.get(1).error()).code());
            assertEquals(List.of("first images 0"), first.events);
            assertTrue(joined.events.indexOf("joined answer 0") < joined.events.indexOf("joined images 0"), joined.events.toString());
            assertEquals(1, joining.sharedRounds(), "the joining question shared the generation's forwards");
            assertArrayEquals(model.understand(List.of(question)).get(0).tokenIds(), joined.answers.get(0).get().tokenIds());
            assertSameImages(model.generate(List.of(running)), first.images.get(0).get(), "g0");
            assertSameImages(model.generate(List.of(late)), joined.images.get(0).get(), "g1 (joined at step 3)");
        }
    }

    @Test
    void nothingJoinsRowsThatAreNearlyDone() throws IOException {
        // The default asks for 32 steps to go; the tiny checkpoint's images take 16: a question
        // arriving meanwhile waits for the generation to end and then runs.
        Collected c = new Collected("c");
        UnderstandRequest question = new UnderstandRequest("q", List.of(image("imgC")), "What is this?",
                DecodingParams.GREEDY.withMaxNewTokens(3));
        boolean[] given = {false};
        model.serve(List.of(), List.of(GenerateRequest.of("g", "a boat", 1, 1)), c, freeRows -> {
            if (given[0]) {
                return null;
            }
            given[0] = true;
            return new JanusModel.Arrival(List.of(question), List.of(), c);
        });
        assertEquals(List.of("c images 0", "c answer 0"), c.events);
    }

    @Test
    void requestsBeyondTheRowLimitJoinAsRowsFreeUp() throws IOException {
        try (JanusModel small = JanusModel.load(GOLDEN, RuntimeOptions.defaults().withMaxBatchRows(3))) {
            List<UnderstandRequest> questions = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                questions.add(new UnderstandRequest("q" + i, List.of(image("imgB")), "Describe " + "in detail ".repeat(i) + ".",
                        DecodingParams.GREEDY.withMaxNewTokens(2 + 3 * i)));
            }
            GenerateRequest gen = GenerateRequest.of("g", "a blue bird", 1, 2);
            Collected c = new Collected("all");
            small.serve(questions, List.of(gen), c);
            assertEquals(4, c.answers.size());
            // the image's two rows and q0 start; q1.. join one by one as the questions before them finish
            assertEquals("all answer 0", c.events.get(0));
            for (int i = 0; i < questions.size(); i++) {
                assertArrayEquals(model.understand(List.of(questions.get(i))).get(0).tokenIds(), c.answers.get(i).get().tokenIds(), "q" + i);
            }
            assertSameImages(model.generate(List.of(gen)), c.images.get(0).get(), "g");
        }
    }

    @Test
    void labelIsTheCandidateWithHighestLikelihood() throws IOException {
        List<String> candidates = List.of("cat", "dog", "a red square", "nothing at all");
        Label label = model.label(List.of(new LabelRequest("l", List.of(image("imgB")), "What is shown?", candidates))).get(0);
        // Reference: each candidate alone, one unpadded row, host-side log-softmax over the text head.
        ChatTemplate template = new ChatTemplate(model.tokenizer(), model.config().chatProcessor().numImageTokens(), 1000);
        Prompt prompt = template.understanding("What is shown?", 1);
        double[] want = new double[candidates.size()];
        for (int c = 0; c < candidates.size(); c++) {
            want[c] = referenceLogLikelihood(prompt, image("imgB"), candidates.get(c));
        }
        for (int c = 0; c < candidates.size(); c++) {
            assertEquals(want[c], label.logLikelihoods()[c], 1e-3, "candidate " + candidates.get(c));
        }
        int best = 0;
        for (int c = 1; c < want.length; c++) {
            best = want[c] > want[best] ? c : best;
        }
        assertEquals(candidates.get(best), label.label());
        double z = Arrays.stream(want).map(v -> Math.exp(v - want[0])).sum();
        assertEquals(Math.exp(want[best] - want[0]) / z, label.probability(), 1e-4);
        assertTrue(label.probability() >= 1.0 / candidates.size() && label.probability() <= 1.0);
    }

    private double referenceLogLikelihood(Prompt prompt, byte[] png, String candidate) {
        var tok = model.tokenizer();
        int[] cand = tok.encodeText(" " + candidate);
        int[] answer = Arrays.copyOf(cand, cand.length + 1);
        answer[cand.length] = tok.eosId();
        int[] ids = Arrays.copyOf(prompt.ids(), prompt.length() + answer.length);
        System.arraycopy(answer, 0, ids, prompt.length(), answer.length);
        boolean[] mask = Arrays.copyOf(prompt.imageMask(), ids.length);
        float[] pixels = model.preprocessor().pixelValues(new dev.janusstream.runtime.image.ImageDecoder(1 << 20).decode(png));
        var input = new dev.janusstream.runtime.generate.Understanding.Input(new Prompt(ids, mask, 1), List.of(pixels),
                dev.janusstream.runtime.generate.SamplingParams.GREEDY, null, 1);
        LlamaDecoder llm = model.network().llm();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray embeds = new dev.janusstream.runtime.generate.Understanding(model.network(), tok.padId(), tok.eosId())
                    .promptEmbeddings(List.of(input), m);
            try (KvCache cache = llm.newCache(m, 1, ids.length)) {
                NDArray hidden = llm.forward(embeds, new LlamaDecoder.Step(new int[] {0}, new int[] {0}, new int[] {0}, ids.length), cache);
                float[] logits = llm.lmHead(hidden).toFloatArray();
                int v = model.config().language().vocabSize();
                double total = 0;
                for (int j = 0; j < answer.length; j++) {
                    int pos = prompt.length() - 1 + j;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < v; k++) {
                        max = Math.max(max, logits[pos * v + k]);
                    }
                    double sum = 0;
                    for (int k = 0; k < v; k++) {
                        sum += Math.exp(logits[pos * v + k] - max);
                    }
                    total += logits[pos * v + answer[j]] - max - Math.log(sum);
                }
                return total;
            }
        }
    }

    @Test
    void twoThreadsShareOneModel() throws Exception {
        UnderstandRequest a = new UnderstandRequest("a", List.of(image("imgA")), "Describe.", DecodingParams.GREEDY.withMaxNewTokens(6));
        UnderstandRequest b = new UnderstandRequest("b", List.of(image("imgC")), "Describe.", DecodingParams.GREEDY.withMaxNewTokens(6));
        int[] wantA = model.understand(List.of(a)).get(0).tokenIds();
        int[] wantB = model.understand(List.of(b)).get(0).tokenIds();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                UnderstandRequest r = i % 2 == 0 ? a : b;
                futures.add(pool.submit(() -> model.understand(List.of(r)).get(0).tokenIds()));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(i % 2 == 0 ? wantA : wantB, futures.get(i).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void closedModelRefusesWork() throws IOException {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "tiny");
        ModelPreset.TINY.writeCheckpoint(dir, 3);
        JanusModel m = JanusModel.load(dir, RuntimeOptions.defaults());
        assertNotEquals("", m.understand(List.of(new UnderstandRequest("x", List.of(image("imgA")), null,
                DecodingParams.GREEDY.withMaxNewTokens(3)))).get(0).id());
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> m.understand(List.of(new UnderstandRequest("x", List.of(), "hi", DecodingParams.GREEDY))));
    }
}
