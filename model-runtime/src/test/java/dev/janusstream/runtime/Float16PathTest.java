package dev.janusstream.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.generate.ImageGeneration;
import dev.janusstream.runtime.generate.RowRng;
import dev.janusstream.runtime.generate.SamplingParams;
import dev.janusstream.runtime.golden.GoldenCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GPU's numeric path (float16 weights and activations) run on CPU against the fp32 goldens.
 * Loose by nature: greedy paths must hold (their top-1/top-2 margins are >= 0.02, far above
 * float16 noise on these sizes) and decoded images stay within 3e-2 of the fp32 reference.
 */
class Float16PathTest {
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static JanusModel model;
    static GoldenCases g;

    @BeforeAll
    static void load() {
        System.setProperty(RuntimeOptions.CPU_FLOAT16_PROPERTY, "true");
        model = JanusModel.load(GOLDEN, RuntimeOptions.defaults().withDtype(DataType.FLOAT16));
        g = GoldenCases.open(GOLDEN.resolve("cases.safetensors"));
    }

    @AfterAll
    static void close() {
        g.close();
        model.close();
        System.clearProperty(RuntimeOptions.CPU_FLOAT16_PROPERTY);
    }

    @Test
    void greedyUnderstandingMatchesTheFp32Golden() throws Exception {
        Answer a = model.understand(List.of(new UnderstandRequest("c",
                List.of(Files.readAllBytes(GOLDEN.resolve("images/imgA.png"))), "Describe the image.",
                DecodingParams.GREEDY.withMaxNewTokens(12)))).get(0);
        assertArrayEquals(g.ints("und.greedy_ids"), a.tokenIds());
    }

    @Test
    void greedyImageGridAndDecodeMatchTheFp32Golden() {
        int[] cond = g.ints("gen.input_ids");
        long[] shape = g.shape("gen.tokens");
        int[] uncond = Arrays.copyOfRange(g.ints("gen.tokens"), (int) shape[1], (int) (2 * shape[1]));
        List<ImageGeneration.Input> images = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            images.add(new ImageGeneration.Input(cond, uncond, 5f, SamplingParams.GREEDY, new RowRng(i)));
        }
        ImageGeneration.Output o = new ImageGeneration(model.network(), model.tokenizer().padId())
                .run(images, model.config().genTokensPerImage(), model.manager(), null, null);
        assertArrayEquals(g.ints("gen.greedy_tokens"), Arrays.stream(o.tokens()).flatMapToInt(Arrays::stream).toArray());
        try (NDManager m = model.manager().newSubManager()) {
            float[] decoded = model.network().vq().decode(new int[][] {g.ints("vq.codes")}, 4, m)
                    .toType(DataType.FLOAT32, false).toFloatArray();
            double d = GoldenCases.maxAbsDiff(decoded, g.floats("vq.decoded"));
            assertTrue(d < 3e-2, "vq.decoded in float16: max abs diff " + d);
        }
        assertEquals(DataType.FLOAT16, model.network().llm().dtype());
    }
}
