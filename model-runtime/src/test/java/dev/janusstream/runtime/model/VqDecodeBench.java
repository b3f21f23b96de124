package dev.janusstream.runtime.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.janusstream.runtime.config.VqConfig;
import dev.janusstream.runtime.weights.Checkpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Decode time per image of the real-size VQ-16 decoder (ch 128, z 256, mult [1,1,2,2,4]) with
 * random weights. Not a timed test: it only prints. Run with
 * {@code mvn -o -pl model-runtime test -Dtest=VqDecodeBench -Djanus.bench=true [-Djanus.bench.grid=24 -Djanus.bench.parallel=1 -Djanus.bench.reps=2]}.
 */
@EnabledIfSystemProperty(named = "janus.bench", matches = "true")
class VqDecodeBench {

    /** Wall and CPU milliseconds per image, best of {@code reps} decodes of {@code parallel} random grids of side {@code grid}. */
    static double[] msPerImage(VqDecoder vq, int parallel, int grid, int reps, NDManager manager) {
        Random r = new Random(1);
        int[][] codes = new int[parallel][grid * grid];
        for (int[] row : codes) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextInt(vq.config().codebookSize());
            }
        }
        double best = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            try (NDManager m = manager.newSubManager()) {
                long t0 = System.nanoTime(), c0 = dev.janusstream.runtime.bench.ProcessMemory.cpuNanos();
                NDArray img = vq.decode(codes, grid, m);
                VqDecoder.toRgb8(img); // forces completion (and includes the host copy)
                best = Math.min(best, (System.nanoTime() - t0) / 1e6 / parallel);
                cpu = Math.min(cpu, (dev.janusstream.runtime.bench.ProcessMemory.cpuNanos() - c0) / 1e6 / parallel);
            }
        }
        return new double[] {best, cpu};
    }

    @Test
    void realSizeDecoder() throws IOException {
        int grid = Integer.getInteger("janus.bench.grid", 24);
        int parallel = Integer.getInteger("janus.bench.parallel", 1);
        int reps = Integer.getInteger("janus.bench.reps", 2);
        VqConfig c = new VqConfig(16384, 8, 8, 128, 256, new int[] {1, 1, 2, 2, 4}, 2);
        dev.janusstream.runtime.NativeEnvironment.apply(); // as the runtime does before its first tensor
        Path dir = Files.createTempDirectory("vq16-bench");
        writeRandomCheckpoint(c, dir.resolve("model.safetensors"));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu()); Checkpoint ck = Checkpoint.open(dir)) {
            long t0 = System.nanoTime();
            VqDecoder vq = VqDecoder.load(new Params(ck, manager, DataType.FLOAT32), c);
            System.out.printf("VQ-16 load: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            double[] ms = msPerImage(vq, parallel, grid, reps, manager);
            System.out.printf("VQ-16 decode %dx%d -> %dpx, P=%d: wall %.0f ms/image, cpu %.0f ms/image (best of %d, threads %s, load %s)%n", grid,
                    grid, vq.imageSide(grid), parallel, ms[0], ms[1], reps, System.getProperty("ai.djl.pytorch.num_threads", "default"),
                    dev.janusstream.runtime.bench.MemoryProbe.loadAverage());
        } finally {
            Files.deleteIfExists(dir.resolve("model.safetensors"));
            Files.deleteIfExists(dir);
        }
    }

    /** Every tensor the decoder takes, with the shapes the config implies (mirrors VqDecoder.load). */
    static Map<String, long[]> decoderTensors(VqConfig c) {
        Map<String, long[]> t = new LinkedHashMap<>();
        String g = "gen_vision_model.";
        t.put(g + "quantize.embedding.weight", new long[] {c.codebookSize(), c.codebookDim()});
        conv(t, g + "post_quant_conv", c.zChannels(), c.codebookDim(), 1);
        String d = g + "decoder.";
        int[] mult = c.decoderChMult();
        int n = mult.length;
        int in = c.ch() * mult[n - 1];
        conv(t, d + "conv_in", in, c.zChannels(), 3);
        res(t, d + "mid.0", in, in);
        attn(t, d + "mid.1", in);
        res(t, d + "mid.2", in, in);
        for (int i = 0; i < n; i++) {
            int out = c.ch() * mult[n - 1 - i];
            for (int j = 0; j <= c.numResBlocks(); j++) {
                res(t, d + "conv_blocks." + i + ".res." + j, in, out);
                in = out;
                if (i == 0) {
                    attn(t, d + "conv_blocks." + i + ".attn." + j, in);
                }
            }
            if (i != n - 1) {
                conv(t, d + "conv_blocks." + i + ".upsample.conv", in, in, 3);
            }
        }
        norm(t, d + "norm_out", in);
        conv(t, d + "conv_out", 3, in, 3);
        return t;
    }

    private static void conv(Map<String, long[]> t, String name, int out, int in, int k) {
        t.put(name + ".weight", new long[] {out, in, k, k});
        t.put(name + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> t, String name, int c) {
        t.put(name + ".weight", new long[] {c});
        t.put(name + ".bias", new long[] {c});
    }

    private static void res(Map<String, long[]> t, String name, int in, int out) {
        norm(t, name + ".norm1", in);
        conv(t, name + ".conv1", out, in, 3);
        norm(t, name + ".norm2", out);
        conv(t, name + ".conv2", out, out, 3);
        if (in != out) {
            conv(t, name + ".nin_shortcut", out, in, 1);
        }
    }

    private static void attn(Map<String, long[]> t, String name, int c) {
        norm(t, name + ".norm", c);
        for (String s : new String[] {"q", "k", "v", "proj_out"}) {
            conv(t, name + "." + s, c, c, 1);
        }
    }

    /** A minimal safetensors writer: F32, N(0,1)/sqrt(fan_in) weights, norm weights 1, biases 0. */
    static void writeRandomCheckpoint(VqConfig c, Path file) throws IOException {
        Map<String, long[]> tensors = decoderTensors(c);
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (var e : tensors.entrySet()) {
            long n = count(e.getValue());
            h.append(h.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(java.util.Arrays.toString(e.getValue()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(off).append(',').append(off + 4 * n).append("]}");
            off += 4 * n;
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        Random r = new Random(7);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            ch.write(len);
            ch.write(ByteBuffer.wrap(header));
            for (var e : tensors.entrySet()) {
                long[] s = e.getValue();
                int n = (int) count(s);
                ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                boolean vector = s.length == 1;
                boolean normWeight = vector && e.getKey().contains("norm") && e.getKey().endsWith(".weight");
                double scale = vector ? 0 : 1 / Math.sqrt(count(s) / s[0]);
                for (int i = 0; i < n; i++) {
                    b.putFloat(normWeight ? 1f : vector ? 0f : (float) (r.nextGaussian() * scale));
                }
                ch.write(b.flip());
            }
        }
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
