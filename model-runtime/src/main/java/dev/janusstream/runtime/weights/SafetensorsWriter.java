package dev.janusstream.runtime.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes safetensors checkpoints (F32 or BF16) as HuggingFace does: an 8-byte little-endian
 * header length, a JSON header ({@code __metadata__} then every tensor's dtype, shape and
 * data_offsets) padded with spaces so the data starts 8-byte aligned, then the tensor bytes in
 * order.
 *
 * <p>Tensors are declared first (the header needs every shape) and their values are pulled only
 * while writing, a chunk at a time, so a multi-GB random-init checkpoint never exists in memory.
 * BF16 is rounded to nearest even like {@code tensor.to(torch.bfloat16)}. Files are written to a
 * {@code .partial} sibling and moved into place when complete.
 */
public final class SafetensorsWriter {
    /** Produces a tensor's values in row-major order, a chunk at a time. */
    @FunctionalInterface
    public interface Values {
        /** Fills {@code chunk} with the elements {@code [start, start + chunk.length)}. */
        void fill(long start, float[] chunk);
    }

    private record Entry(String name, DType dtype, long[] shape, Values values) {
        long byteSize() {
            return new TensorInfo(name, dtype, shape, null).byteSize();
        }
    }

    static final int CHUNK = 1 << 18;
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Starts with {@code __metadata__ = {"format": "pt"}}, which transformers' loader requires. */
    public SafetensorsWriter() {
        metadata.put("format", "pt");
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Declares a tensor whose values are produced while writing. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, Values values) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "': only F32 and BF16 can be written, not " + dtype);
        }
        if (name == null || name.isEmpty() || name.equals("__metadata__") || !names.add(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is empty, reserved or added twice");
        }
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
            }
        }
        entries.add(new Entry(name, dtype, shape.clone(), values));
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] values) {
        long n = new TensorInfo(name, dtype, shape, null).elementCount();
        if (n != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but " + values.length + " values were given");
        }
        return add(name, dtype, shape, (start, chunk) -> System.arraycopy(values, (int) start, chunk, 0, chunk.length));
    }

    /**
     * A float32 NDArray, read from its native memory (no copy into the Java heap) while writing;
     * it must stay open until {@link #write} or {@link #writeSharded} returns.
     */
    public SafetensorsWriter add(String name, DType dtype, NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("tensor '" + name + "': expected a FLOAT32 NDArray, got "
                    + array.getDataType() + " (convert it first)");
        }
        Values values = new Values() {
            private FloatBuffer view;

            @Override
            public void fill(long start, float[] chunk) {
                if (view == null) {
                    view = array.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                }
                view.get((int) start, chunk);
            }
        };
        return add(name, dtype, array.getShape().getShape(), values);
    }

    /** Bytes of tensor data (what an index's {@code metadata.total_size} counts). */
    public long dataSize() {
        return entries.stream().mapToLong(Entry::byteSize).sum();
    }

    /** Writes every declared tensor into one file. */
    public void write(Path file) {
        writeFile(file, entries);
    }

    /**
     * Writes HuggingFace-style shards {@code model-0000i-of-0000n.safetensors} of at most
     * {@code maxShardBytes} tensor data each (a larger tensor gets a shard of its own) plus
     * {@code model.safetensors.index.json}; when one shard suffices, a plain
     * {@code model.safetensors} without index, as {@code save_pretrained} does.
     *
     * @return the files written, index last
     */
    public List<Path> writeSharded(Path dir, long maxShardBytes) {
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (Entry e : entries) {
            if (!current.isEmpty() && currentBytes + e.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += e.byteSize();
        }
        shards.add(current);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException(dir + ": cannot create directory: " + e.getMessage(), e);
        }
        if (shards.size() == 1) {
            Path file = dir.resolve("model.safetensors");
            writeFile(file, entries);
            return List.of(file);
        }
        List<Path> written = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String shardName = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            writeFile(dir.resolve(shardName), shards.get(i));
            shards.get(i).forEach(e -> weightMap.put(e.name(), shardName));
            written.add(dir.resolve(shardName));
        }
        JsonObject index = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("total_size", dataSize());
        index.add("metadata", meta);
        index.add("weight_map", GSON.toJsonTree(weightMap));
        Path indexFile = dir.resolve("model.safetensors.index.json");
        try {
            Files.writeString(indexFile, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
                    .toJson(index) + "\n");
        } catch (IOException e) {
            throw new CheckpointException(indexFile + ": cannot write: " + e.getMessage(), e);
        }
        written.add(indexFile);
        return written;
    }

    private void writeFile(Path file, List<Entry> tensors) {
        byte[] header = header(tensors);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        String current = null;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer out = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            float[] chunk = new float[CHUNK];
            for (Entry e : tensors) {
                current = e.name();
                long n = new TensorInfo(e.name(), e.dtype(), e.shape(), file).elementCount();
                for (long start = 0; start < n; start += CHUNK) {
                    int len32 = (int) Math.min(CHUNK, n - start);
                    float[] values = len32 == CHUNK ? chunk : new float[len32];
                    e.values().fill(start, values);
                    out.clear();
                    if (e.dtype() == DType.F32) {
                        out.asFloatBuffer().put(values);
                        out.limit(len32 * 4);
                    } else {
                        for (int i = 0; i < len32; i++) {
                            out.putShort(i * 2, TensorConversion.toBf16(values[i]));
                        }
                        out.limit(len32 * 2);
                    }
                    writeFully(ch, out);
                }
            }
            current = null;
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial);
            throw new CheckpointException(file + ": cannot write" + (current == null ? "" : " tensor '" + current + "'")
                    + ": " + e.getMessage(), e);
        }
        try {
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new CheckpointException(file + ": cannot move " + partial + " into place: " + e.getMessage(), e);
        }
    }

    /** The JSON header, space-padded so that 8 + its length is a multiple of 8 (as HuggingFace pads). */
    private byte[] header(List<Entry> tensors) {
        JsonObject json = new JsonObject();
        if (!metadata.isEmpty()) {
            json.add("__metadata__", GSON.toJsonTree(metadata));
        }
        long offset = 0;
        for (Entry e : tensors) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", e.dtype().name());
            JsonArray shape = new JsonArray();
            Arrays.stream(e.shape()).forEach(shape::add);
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.byteSize();
            offsets.add(offset);
            t.add("data_offsets", offsets);
            json.add(e.name(), t);
        }
        byte[] raw = GSON.toJson(json).getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the original error matters more than a stale .partial file
        }
    }
}
