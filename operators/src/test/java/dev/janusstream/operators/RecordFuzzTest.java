package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.management.ThreadMXBean;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.Decoding;
import dev.janusstream.schemas.ImageFormat;
import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Fuzzing the record path the operators run ({@link ModelAsyncFunction#handle}: decode once,
 * validate, fetch/probe the image, the real model through the slot's service, encode the result),
 * with a fixed seed, {@value #PER_SCHEMA} values per input schema: truncations of valid records at
 * every byte, random bodies after a valid header, lengths and counts replaced by huge and negative
 * values at every position, random byte flips and splices of valid records. For each value:
 * its results or exactly one dead letter; the decoding thread allocates at most a small multiple
 * of the value's size and returns promptly; the whole run finishes within the default test heap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordFuzzTest {
    static final int PER_SCHEMA = 10_000;
    static final long SEED = 20261130L;
    static final Path GOLDEN = Path.of(System.getProperty("janus.golden.dir"));
    static final long[] HOSTILE = {Integer.MAX_VALUE, Integer.MAX_VALUE - 8, 1L << 31, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE,
        1_500_000_000L, 2_000_000_000L, 1 << 20, 65_536, -1, -2, -64, Integer.MIN_VALUE};
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    final RequestLimits limits = new RequestLimits(2, 4, 2, 4000, 16, 40_000_000L);
    final DeadLetters deadLetters = new DeadLetters(DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES);
    SlotModelService service;

    @BeforeAll
    void loadTheModel() {
        service = SlotModelService.acquire(new ModelSpec(GOLDEN.toString(), "cpu", 32, 2, ModelBackend.JANUS), 0);
    }

    @AfterAll
    void release() {
        service.release();
    }

    @Test
    void everyImageRequestValueEndsAsItsResultOrOneDeadLetter() throws Exception {
        UnderstandFunction fn = new UnderstandFunction(null, new ImagePolicy(List.of(), 1 << 20, 1 << 20), limits, deadLetters);
        fn.attach(service);
        byte[] png = png();
        List<byte[]> valid = List.of(
                WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("cap").setImageBytes(ByteBuffer.wrap(png)).build()),
                WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("q").setImageBytes(ByteBuffer.wrap(png))
                        .setQuestion("What colour?").setDecoding(Decoding.newBuilder().setMaxNewTokens(3).setTemperature(0.7f)
                                .setTopP(0.9f).setSeed(5).build()).setMetadata(Map.of("k", "v")).build()),
                WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("lab").setImageBytes(ByteBuffer.wrap(png))
                        .setQuestion("Which?").setCandidateLabels(List.of("cat", "dog", "bird")).build()),
                WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("uri").setImageUri("file:///etc/passwd").build()));
        Map<Verdict, Integer> verdicts = fuzz(fn, WireFormat.IMAGE_REQUEST.fingerprint(), valid, value -> 1);
        assertTrue(verdicts.getOrDefault(Verdict.RESULTS, 0) >= 100, "valid records were answered too: " + verdicts);
        assertTrue(verdicts.getOrDefault(Verdict.DEAD_LETTER, 0) >= 5_000, verdicts.toString());
    }

    @Test
    void everyPromptRequestValueEndsAsItsResultsOrOneDeadLetter() throws Exception {
        GenerateFunction fn = new GenerateFunction(null, limits, deadLetters);
        fn.attach(service);
        List<byte[]> valid = List.of(
                WireFormat.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("p1").setPrompt("a red fox").build()),
                WireFormat.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("p2").setPrompt("two boats").setNumImages(2)
                        .setSeed(9).setTopK(5).setFormat(ImageFormat.JPEG).setMetadata(Map.of("a", "b")).build()));
        Map<Verdict, Integer> verdicts = fuzz(fn, WireFormat.PROMPT_REQUEST.fingerprint(), valid, value -> {
            try {
                return WireFormat.PROMPT_REQUEST.decode(value).getNumImages();
            } catch (RuntimeException e) {
                return -1;
            }
        });
        assertTrue(verdicts.getOrDefault(Verdict.RESULTS, 0) >= 50, "valid records were answered too: " + verdicts);
        assertTrue(verdicts.getOrDefault(Verdict.DEAD_LETTER, 0) >= 5_000, verdicts.toString());
    }

    @Test
    void aResultLargerThanTheBrokerTakesIsADeadLetterNotASinkFailure() throws Exception {
        GenerateFunction fn = new GenerateFunction(null, limits.withMaxResultBytes(200_000), deadLetters);
        fn.attach(service);
        Map<String, String> metadata = Map.of("blob", "x".repeat(250_000)); // echoed into every image record
        byte[] value = WireFormat.PROMPT_REQUEST.encode(PromptRequest.newBuilder().setRequestId("big").setPrompt("a fox")
                .setMetadata(metadata).build());
        List<Outgoing> out = fn.handle(new KafkaInput("fuzz", 0, 1, 0L, null, value)).get(1, TimeUnit.MINUTES);
        assertEquals(1, out.size());
        DeadLetter d = WireFormat.DEAD_LETTER.decode(out.get(0).value);
        assertEquals("RESULT_TOO_LARGE", d.getErrorCode(), d.getMessage());
        assertEquals("big", d.getRequestId());
        assertTrue(out.get(0).value.length < 200_000, "the dead letter itself fits: " + out.get(0).value.length);
    }

    enum Verdict { RESULTS, DEAD_LETTER }

    interface ExpectedResults {
        int of(byte[] value);
    }

    private <R extends org.apache.avro.specific.SpecificRecord> Map<Verdict, Integer> fuzz(ModelAsyncFunction<R> fn, long fingerprint,
            List<byte[]> valid, ExpectedResults expected) throws Exception {
        List<byte[]> values = values(fingerprint, valid);
        assertTrue(values.size() >= PER_SCHEMA);
        Map<Verdict, Integer> verdicts = new EnumMap<>(Verdict.class);
        Map<String, Integer> codes = new java.util.TreeMap<>();
        int chunk = 256;
        for (int from = 0; from < values.size(); from += chunk) {
            List<byte[]> part = values.subList(from, Math.min(values.size(), from + chunk));
            List<CompletableFuture<List<Outgoing>>> futures = new ArrayList<>();
            for (int i = 0; i < part.size(); i++) {
                byte[] value = part.get(i);
                KafkaInput in = new KafkaInput("fuzz", 0, from + i, 0L, null, value);
                long bytes0 = THREADS.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                futures.add(fn.handle(in));
                long allocated = THREADS.getCurrentThreadAllocatedBytes() - bytes0;
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String hex = HexFormat.of().formatHex(value, 0, Math.min(value.length, 64));
                assertTrue(allocated <= (1 << 20) + 8L * value.length, "handling " + hex + " allocated " + allocated + " bytes");
                assertTrue(ms < 5_000, "handling " + hex + " took " + ms + " ms");
            }
            for (int i = 0; i < part.size(); i++) {
                byte[] value = part.get(i);
                List<Outgoing> out = futures.get(i).get(3, TimeUnit.MINUTES); // never completes exceptionally
                String hex = HexFormat.of().formatHex(value, 0, Math.min(value.length, 64));
                assertFalse(out.isEmpty(), "no output for " + hex);
                if (out.get(0).kind == Outgoing.Kind.DEAD_LETTER) {
                    assertEquals(1, out.size(), "one dead letter for " + hex);
                    DeadLetter d = WireFormat.DEAD_LETTER.decode(out.get(0).value);
                    assertEquals(from + i, d.getSourceOffset());
                    ErrorCode.valueOf(d.getErrorCode());
                    codes.merge(d.getErrorCode(), 1, Integer::sum);
                    verdicts.merge(Verdict.DEAD_LETTER, 1, Integer::sum);
                } else {
                    int n = expected.of(value);
                    assertEquals(n, out.size(), "results of " + hex);
                    assertTrue(out.stream().allMatch(o -> o.kind != Outgoing.Kind.DEAD_LETTER && o.key != null), "results only");
                    verdicts.merge(Verdict.RESULTS, 1, Integer::sum);
                }
            }
        }
        System.out.println("fuzz " + values.size() + " values: " + verdicts + ", dead letters by code " + codes);
        return verdicts;
    }

    /** Truncations of every valid value at every byte, then random mutations up to {@value #PER_SCHEMA}. */
    static List<byte[]> values(long fingerprint, List<byte[]> valid) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ fingerprint);
        List<byte[]> out = new ArrayList<>();
        for (byte[] v : valid) {
            out.add(v);
            for (int cut = 0; cut < v.length; cut++) {
                out.add(java.util.Arrays.copyOf(v, cut));
            }
        }
        while (out.size() < PER_SCHEMA) {
            byte[] v = valid.get(rnd.nextInt(valid.size()));
            out.add(switch (rnd.nextInt(5)) {
                case 0 -> randomBody(fingerprint, rnd);
                case 1 -> hostileNumberAt(v, rnd);
                case 2 -> flips(v, rnd);
                case 3 -> splice(v, valid.get(rnd.nextInt(valid.size())), rnd);
                default -> hostileNumberAt(flips(v, rnd), rnd);
            });
        }
        return out;
    }

    static byte[] randomBody(long fingerprint, SplittableRandom rnd) {
        byte[] v = new byte[WireFormat.HEADER_LENGTH + rnd.nextInt(80)];
        rnd.nextBytes(v);
        v[0] = WireFormat.MAGIC[0];
        v[1] = WireFormat.MAGIC[1];
        ByteBuffer.wrap(v, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint);
        return v;
    }

    /** Replaces one byte of the body (where a length or count may start) by a huge or negative varint. */
    static byte[] hostileNumberAt(byte[] v, SplittableRandom rnd) {
        int at = WireFormat.HEADER_LENGTH + rnd.nextInt(Math.max(1, v.length - WireFormat.HEADER_LENGTH));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(v, 0, Math.min(at, v.length));
        long n = HOSTILE[rnd.nextInt(HOSTILE.length)];
        long z = (n << 1) ^ (n >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        if (at + 1 < v.length) {
            out.write(v, at + 1, v.length - at - 1);
        }
        return out.toByteArray();
    }

    static byte[] flips(byte[] v, SplittableRandom rnd) {
        byte[] c = v.clone();
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
            int at = WireFormat.HEADER_LENGTH + rnd.nextInt(Math.max(1, c.length - WireFormat.HEADER_LENGTH));
            if (at < c.length) {
                c[at] = (byte) rnd.nextInt(256);
            }
        }
        return c;
    }

    static byte[] splice(byte[] a, byte[] b, SplittableRandom rnd) {
        int i = WireFormat.HEADER_LENGTH + rnd.nextInt(Math.max(1, a.length - WireFormat.HEADER_LENGTH));
        int j = WireFormat.HEADER_LENGTH + rnd.nextInt(Math.max(1, b.length - WireFormat.HEADER_LENGTH));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(a, 0, Math.min(i, a.length));
        if (j < b.length) {
            out.write(b, j, b.length - j);
        }
        return out.toByteArray();
    }

    static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(12, 10, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                img.setRGB(x, y, (x * 20) << 16 | (y * 25) << 8 | 90);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
