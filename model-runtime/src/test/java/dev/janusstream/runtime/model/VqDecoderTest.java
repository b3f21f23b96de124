package dev.janusstream.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.golden.GoldenCases;
import dev.janusstream.runtime.weights.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** VQ-16 decoder against the official decode_code goldens (janus-tiny, float32 on CPU). */
class VqDecoderTest {
    static final double TOL = 1e-4;
    static Path dir;
    static NDManager manager;
    static Checkpoint checkpoint;
    static JanusConfig config;
    static VqDecoder vq;
    static GoldenCases cases;
    static int grid;

    @BeforeAll
    static void load() {
        dir = Path.of(System.getProperty("janus.golden.dir", "/work/shared/golden/janus-tiny"));
        manager = NDManager.newBaseManager(Device.cpu());
        checkpoint = Checkpoint.open(dir);
        config = JanusConfig.read(dir);
        vq = VqDecoder.load(new Params(checkpoint, manager, DataType.FLOAT32), config.genVision());
        cases = GoldenCases.open(dir.resolve("cases.safetensors"));
        grid = Integer.parseInt(cases.metadata().get("gen_img_size"))
                / Integer.parseInt(cases.metadata().get("gen_patch_size"));
    }

    @AfterAll
    static void close() {
        cases.close();
        manager.close();
        checkpoint.close();
    }

    static double assertClose(String name, float[] expected, NDArray actual, double tol) {
        double d = GoldenCases.maxAbsDiff(expected, actual.toType(DataType.FLOAT32, false).toFloatArray());
        System.out.printf("%s: max |diff| = %.3g%n", name, d);
        assertTrue(d <= tol, name + ": max |diff| = " + d + " > " + tol);
        return d;
    }

    @Test
    void geometryComesFromTheConfig() {
        assertEquals(4, grid);
        assertEquals(16, config.genVision().downsample());
        assertEquals(64, vq.imageSide(grid));
        assertEquals(config.genGridSide(), grid);
    }

    @Test
    void quantAndPostQuantMatch() {
        try (NDManager m = manager.newSubManager()) {
            NDArray codes = cases.array("vq.codes", m);
            NDArray quant = vq.quant(codes, grid);
            assertEquals(cases.ndShape("vq.quant"), quant.getShape());
            assertClose("vq.quant", cases.floats("vq.quant"), quant, 1e-6);
            NDArray post = vq.postQuant(cases.array("vq.quant", m));
            assertEquals(cases.ndShape("vq.post_quant"), post.getShape());
            assertClose("vq.post_quant", cases.floats("vq.post_quant"), post, TOL);
            assertClose("gen.quant", cases.floats("gen.quant"), vq.quant(cases.array("gen.greedy_tokens", m), grid),
                    1e-6);
        }
    }

    @Test
    void vqDecodedMatches() {
        try (NDManager m = manager.newSubManager()) {
            NDArray codes = cases.array("vq.codes", m);
            NDArray img = vq.decode(codes, grid);
            assertEquals(m, img.getManager());
            assertEquals(new Shape(1, 3, 64, 64), img.getShape());
            assertClose("vq.decoded", cases.floats("vq.decoded"), img, TOL);
        }
    }

    @Test
    void greedyGenerationImageMatches() {
        try (NDManager m = manager.newSubManager()) {
            NDArray img = vq.decode(cases.array("gen.greedy_tokens", m), grid);
            assertEquals(cases.ndShape("gen.decoded"), img.getShape());
            assertClose("gen.decoded", cases.floats("gen.decoded"), img, TOL);

            byte[][] rgb = VqDecoder.toRgb8(img);
            byte[] expected = cases.bytes("gen.image_u8");
            assertEquals(2, rgb.length);
            int maxLevel = 0;
            int off = 0;
            int differ = 0;
            for (byte[] one : rgb) {
                assertEquals(64 * 64 * 3, one.length);
                for (byte b : one) {
                    int d = Math.abs((b & 0xFF) - (expected[off++] & 0xFF));
                    maxLevel = Math.max(maxLevel, d);
                    differ += d != 0 ? 1 : 0;
                }
            }
            System.out.printf("gen.image_u8: max level diff %d, %d of %d values differ%n", maxLevel, differ, off);
            assertTrue(maxLevel <= 1, "gen.image_u8: max level diff " + maxLevel + " (" + differ + " values differ)");
        }
    }

    @Test
    void toRgb8OfTheGoldenFloatsIsExact() {
        // The conversion itself (float32 math, clip, truncation, CHW -> HWC) must reproduce the script bit for bit.
        try (NDManager m = manager.newSubManager()) {
            byte[][] rgb = VqDecoder.toRgb8(cases.array("gen.decoded", m));
            byte[] expected = cases.bytes("gen.image_u8");
            byte[] got = new byte[expected.length];
            System.arraycopy(rgb[0], 0, got, 0, rgb[0].length);
            System.arraycopy(rgb[1], 0, got, rgb[0].length, rgb[1].length);
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void forcedTokensImageMatches() {
        try (NDManager m = manager.newSubManager()) {
            NDArray img = vq.decode(cases.array("gen_forced.tokens", m), grid);
            assertClose("gen_forced.decoded", cases.floats("gen_forced.decoded"), img, TOL);
        }
    }

    @Test
    void intGridApiMatchesTheNdArrayOne() {
        int[] t = cases.ints("gen_forced.tokens");
        int[][] codes = {java.util.Arrays.copyOfRange(t, 0, 16), java.util.Arrays.copyOfRange(t, 16, 32)};
        try (NDManager m = manager.newSubManager()) {
            NDArray img = vq.decode(codes, grid, m);
            assertEquals(m, img.getManager());
            assertClose("gen_forced.decoded (int[][])", cases.floats("gen_forced.decoded"), img, TOL);
            // int32 ids are accepted too
            NDArray img32 = vq.decode(m.create(t, new Shape(2, 16)), grid);
            assertClose("gen_forced.decoded (int32)", cases.floats("gen_forced.decoded"), img32, TOL);
        }
    }

    @Test
    void bf16WeightsUpcastToFloat32Match() {
        Path bf16 = dir.resolve("bf16");
        try (NDManager m = manager.newSubManager(); Checkpoint ck = Checkpoint.open(bf16);
                GoldenCases loose = GoldenCases.open(bf16.resolve("cases.safetensors"))) {
            VqDecoder dec = VqDecoder.load(new Params(ck, m, DataType.FLOAT32), JanusConfig.read(bf16).genVision());
            NDArray img = dec.decode(cases.array("vq.codes", m), grid);
            assertClose("bf16w_f32.vq.decoded", loose.floats("bf16w_f32.vq.decoded"), img, TOL);
        }
    }

    @Test
    void takesEveryGenVisionAndGenHeadTensor() {
        try (NDManager m = manager.newSubManager(); Checkpoint ck = Checkpoint.open(dir)) {
            Params p = new Params(ck, m, DataType.FLOAT32);
            VqDecoder.load(p, config.genVision());
            GenHead.load(p, config.genHead());
            for (String other : new String[] {"vision_model.", "aligner.", "gen_aligner.", "gen_embed.", "language_model."}) {
                p.skipAll(other);
            }
            ck.checkAllTaken();
        }
    }

    @Test
    void decodeFreesItsIntermediates() {
        try (NDManager caller = NDManager.newBaseManager(Device.cpu())) {
            NDArray codes = caller.create(cases.longs("vq.codes"), new Shape(1, 16));
            int model = manager.getManagedArrays().size();
            NDArray img = vq.decode(codes, grid);
            NDArray img2 = vq.decode(new int[][] {cases.ints("vq.codes")}, grid, caller);
            assertEquals(model, manager.getManagedArrays().size(), "arrays left on the model's manager");
            assertEquals(3, caller.getManagedArrays().size(), "caller holds codes + the two images only");
            assertArrayEquals(img.toFloatArray(), img2.toFloatArray());
        }
        try (NDManager caller = NDManager.newBaseManager(Device.cpu())) {
            NDArray hidden = caller.create(cases.floats("gen.step0_last_hidden"), new Shape(4, 96));
            GenHead head = GenHead.load(new Params(checkpoint, manager, DataType.FLOAT32), config.genHead());
            int model = manager.getManagedArrays().size();
            head.forward(hidden);
            assertEquals(model, manager.getManagedArrays().size());
            assertEquals(2, caller.getManagedArrays().size());
        }
    }

    @Test
    void rejectsBadCodes() {
        try (NDManager m = manager.newSubManager()) {
            assertThrows(IllegalArgumentException.class,
                    () -> vq.decode(m.create(new long[] {0, 1, 2, 512}, new Shape(1, 4)), 2));
            assertThrows(IllegalArgumentException.class,
                    () -> vq.decode(m.create(new long[] {-1, 1, 2, 3}, new Shape(1, 4)), 2));
            assertThrows(IllegalArgumentException.class,
                    () -> vq.decode(m.create(new long[] {0, 1, 2}, new Shape(1, 3)), 2));
            assertThrows(IllegalArgumentException.class, () -> vq.decode(new int[][] {{0, 1, 2}}, 2, m));
            assertThrows(IllegalArgumentException.class, () -> vq.decode(new int[0][], 2, m));
            assertThrows(IllegalArgumentException.class, () -> vq.decode(new int[][] {{}}, 0, m));
        }
    }

    @Test
    void nonSquareGridSidesOtherThanTheDefaultWork() {
        // A 2x2 grid decodes to 32x32: the decoder is fully convolutional.
        try (NDManager m = manager.newSubManager()) {
            NDArray img = vq.decode(new int[][] {{1, 2, 3, 4}}, 2, m);
            assertEquals(new Shape(1, 3, 32, 32), img.getShape());
        }
    }

    @Test
    void nearestUpsampleRepeatsEachPixelAsA2x2Block() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.arange(0f, 8f).reshape(1, 2, 2, 2);
            NDArray y = VqDecoder.upsampleNearest2x(x);
            assertEquals(new Shape(1, 2, 4, 4), y.getShape());
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3},
                    y.get(0, 0).toFloatArray());
            assertArrayEquals(new float[] {4, 4, 5, 5, 4, 4, 5, 5, 6, 6, 7, 7, 6, 6, 7, 7},
                    y.get(0, 1).toFloatArray());
        }
    }

    @Test
    void u8ConversionClipsAndTruncates() {
        assertEquals(0, VqDecoder.toU8(-1f));
        assertEquals(0, VqDecoder.toU8(-3f));
        assertEquals(255, VqDecoder.toU8(1f));
        assertEquals(255, VqDecoder.toU8(7f));
        assertEquals(127, VqDecoder.toU8(0f)); // 127.5 truncates
        assertEquals(0, VqDecoder.toU8(Float.NaN));
    }
}
