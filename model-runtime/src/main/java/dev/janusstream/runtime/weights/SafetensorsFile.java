package dev.janusstream.runtime.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file: an 8-byte header length, a JSON header, then the tensor bytes.
 * Each tensor is read into its tensor's memory ({@link #readInto}) or memory-mapped on demand
 * (one mapping per tensor keeps every mapping under the 2 GiB ByteBuffer limit whatever the file size).
 */
public final class SafetensorsFile implements TensorSource {
    /**
     * Largest JSON header read: about 150 bytes per tensor. The format's
     * own limit is 100 MB; parsing that much JSON would take a few GB of heap, so this is lower.
     */
    static final long MAX_HEADER = 16L << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, long[]> offsets = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafetensorsFile(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        long size = channel.size();
        if (size < 8) {
            throw new CheckpointException(file + ": truncated safetensors file (" + size + " bytes, no header)");
        }
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(len, 0);
        long headerLen = len.getLong(0);
        if (headerLen <= 0 || headerLen > MAX_HEADER) {
            // an unsigned u64 in the file: show it as such
            throw new CheckpointException(file + ": safetensors header length " + Long.toUnsignedString(headerLen)
                    + " is outside 1.." + MAX_HEADER + " bytes (corrupt file, or not safetensors)");
        }
        if (8 + headerLen > size) {
            throw new CheckpointException(file + ": invalid or truncated safetensors header (length " + headerLen
                    + ", file " + size + " bytes)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(header, 8);
        dataStart = 8 + headerLen;
        JsonObject json;
        try {
            json = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": safetensors header is not a JSON object", e);
        }
        long dataSize = size - dataStart;
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            String name = e.getKey();
            try {
                if (name.equals("__metadata__")) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                parseTensor(name, e.getValue().getAsJsonObject(), size, dataSize);
            } catch (CheckpointException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                // wrong JSON types, missing keys: Gson's ClassCast/IllegalState/NullPointer/NumberFormat
                throw new CheckpointException(file + ": " + (name.equals("__metadata__") ? "__metadata__" : "tensor '"
                        + name + "'") + ": malformed header entry " + shorten(e.getValue()) + ": " + ex, ex);
            }
        }
    }

    private void parseTensor(String name, JsonObject t, long size, long dataSize) {
        DType dtype;
        try {
            dtype = DType.fromSafetensors(t.get("dtype").getAsString());
        } catch (IllegalArgumentException ex) {
            throw new CheckpointException(file + ": tensor '" + name + "': " + ex.getMessage());
        }
        var shapeJson = t.getAsJsonArray("shape");
        if (shapeJson.size() > TensorInfo.MAX_RANK) {
            throw new CheckpointException(file + ": tensor '" + name + "' has " + shapeJson.size()
                    + " dimensions; at most " + TensorInfo.MAX_RANK + " are supported");
        }
        long[] shape = new long[shapeJson.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = exactLong(shapeJson.get(i), name, "shape");
        }
        var off = t.getAsJsonArray("data_offsets");
        if (off.size() != 2) {
            throw new CheckpointException(file + ": tensor '" + name + "': data_offsets has " + off.size()
                    + " values, not [begin, end]");
        }
        long begin = exactLong(off.get(0), name, "data_offsets");
        long end = exactLong(off.get(1), name, "data_offsets");
        TensorInfo info = new TensorInfo(name, dtype, shape, file);
        if (begin < 0 || end < begin) {
            throw new CheckpointException(file + ": tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] is not a byte range");
        }
        if (end - begin != info.byteSize()) {
            throw new CheckpointException(file + ": tensor '" + name + "': data_offsets hold " + (end - begin)
                    + " bytes but " + dtype + info.shapeString() + " needs " + info.byteSize());
        }
        if (end > dataSize) {
            throw new CheckpointException(file + ": tensor '" + name + "' ends at byte " + (dataStart + end)
                    + " but the file has " + size + " bytes (truncated file)");
        }
        tensors.put(name, info);
        offsets.put(name, new long[] {begin, end});
    }

    /** A JSON integer as a long, exactly (no silent rounding of 1e30 or 2.5). */
    private long exactLong(JsonElement e, String tensor, String what) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new java.math.BigDecimal(e.getAsString()).longValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ex) {
            // reported below
        }
        throw new CheckpointException(file + ": tensor '" + tensor + "': " + what + " value " + shorten(e)
                + " is not a 64-bit integer");
    }

    private static String shorten(JsonElement e) {
        String s = String.valueOf(e);
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** Opens and validates the header; tensor bytes are mapped lazily. */
    public static SafetensorsFile open(Path file) {
        try {
            return new SafetensorsFile(file);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public ByteBuffer bytes(String name) {
        long[] off = offsets.get(name);
        if (off == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        return FileMapping.map(channel, file, name, dataStart + off[0], off[1] - off[0]);
    }

    @Override
    public void readInto(String name, ByteBuffer dst) {
        long[] off = offsets.get(name);
        if (off == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        FileMapping.read(channel, file, name, dst, dataStart + off[0], off[1] - off[0]);
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        FileMapping.readFully(channel, file, dst, position);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a read-only channel cannot lose data
        }
    }
}
