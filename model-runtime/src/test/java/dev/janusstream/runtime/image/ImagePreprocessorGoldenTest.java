package dev.janusstream.runtime.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.janusstream.runtime.config.ImageProcessorConfig;
import dev.janusstream.runtime.golden.GoldenCases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * VLMImageProcessor against the goldens of the official implementation (Pillow 9.4): decode, bicubic
 * resize and padding must be exact; pixel values are expected exact too (bound 1e-6).
 */
class ImagePreprocessorGoldenTest {
    static Path dir;
    static GoldenCases cases;
    static ImagePreprocessor processor;
    static final ImageDecoder DECODER = new ImageDecoder(40_000_000L);

    @BeforeAll
    static void open() {
        dir = Path.of(System.getProperty("janus.golden.dir", "../../shared/golden/janus-tiny"));
        cases = GoldenCases.open(dir.resolve("cases.safetensors"));
        processor = new ImagePreprocessor(ImageProcessorConfig.read(dir, 384));
    }

    @AfterAll
    static void close() {
        cases.close();
    }

    static RgbImage decode(String name) throws Exception {
        return DECODER.decode(Files.readAllBytes(dir.resolve("images/" + name + ".png")));
    }

    static RgbImage golden(String key) {
        long[] s = cases.shape(key);
        return new RgbImage((int) s[1], (int) s[0], cases.bytes(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"imgA", "imgB", "imgC"})
    void decodedPngEqualsRawImage(String name) throws Exception {
        assertEquals(golden("img." + name + ".raw_u8"), decode(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"imgA", "imgB", "imgC"})
    void bicubicResizeIsBitExact(String name) throws Exception {
        RgbImage want = golden("img." + name + ".resized_u8");
        RgbImage got = processor.resize(decode(name));
        assertEquals(want.width(), got.width(), "width");
        assertEquals(want.height(), got.height(), "height");
        assertArrayEquals(want.rgb(), got.rgb(), name + " resized pixels");
    }

    @ParameterizedTest
    @ValueSource(strings = {"imgA", "imgB", "imgC"})
    void expandToSquareIsExact(String name) throws Exception {
        assertEquals(golden("img." + name + ".square_u8"), processor.toSquare(decode(name)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"imgA", "imgB", "imgC"})
    void pixelValuesMatch(String name) throws Exception {
        float[] want = cases.floats("img." + name + ".pixel_values");
        float[] got = processor.pixelValues(decode(name));
        assertEquals(want.length, got.length);
        double max = GoldenCases.maxAbsDiff(want, got);
        double mean = 0;
        for (int i = 0; i < want.length; i++) {
            mean += Math.abs(want[i] - got[i]);
        }
        mean /= want.length;
        // The same float32/float64 arithmetic as numpy, so bit-exact (asserted); the bound is
        // 2/255 max and 0.25/255 mean in uint8 units (x2 after normalisation by std 0.5).
        assertTrue(max <= 1e-6, name + ": max |diff| " + max);
        assertEquals(0.0, max, 0.0, name + ": expected bit-exact");
        assertTrue(mean <= 0.25 / 255 * 2, name + ": mean |diff| " + mean);
    }

    @Test
    void resizedSizeUsesTruncationAndMinSize() {
        assertArrayEquals(new int[] {64, 38}, processor.resizedSize(50, 30)); // 30/50*64 = 38.4
        assertArrayEquals(new int[] {14, 64}, processor.resizedSize(12, 90)); // 8.53 -> min_size 14
        assertArrayEquals(new int[] {64, 64}, processor.resizedSize(80, 80));
        assertArrayEquals(new int[] {64, 14}, processor.resizedSize(1000, 1)); // min_size on a 1-pixel side
    }

    @Test
    void batchStacksImagesIntoNchw() throws Exception {
        float[] want = cases.floats("vision.pixel_values"); // imgA, imgB
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray b = processor.batch(List.of(decode("imgA"), decode("imgB")), m);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3, 64, 64), b.getShape());
            assertEquals(ai.djl.ndarray.types.DataType.FLOAT32, b.getDataType());
            assertTrue(GoldenCases.maxAbsDiff(want, b.toFloatArray()) <= 1e-6);
        }
    }
}
