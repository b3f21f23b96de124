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
 * Each tensor is memory-mapped on demand (one mapping per tensor keeps every mapping
 * under the 2 GiB ByteBuffer limit whatever the file size).
 */
public final class SafetensorsFile implements TensorSource {
    private static final long MAX_HEADER = 100L << 20;

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
        if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
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
            if (name.equals("__metadata__")) {
                e.getValue().getAsJsonObject().entrySet()
                        .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            DType dtype;
            try {
                dtype = DType.fromSafetensors(t.get("dtype").getAsString());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(file + ": tensor '" + name + "': " + ex.getMessage());
            }
            var shapeJson = t.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
            }
            var off = t.getAsJsonArray("data_offsets");
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            TensorInfo info = new TensorInfo(name, dtype, shape, file);
            if (end - begin != info.byteSize()) {
                throw new CheckpointException(file + ": tensor '" + name + "': data_offsets hold " + (end - begin)
                        + " bytes but " + dtype + info.shapeString() + " needs " + info.byteSize());
            }
            if (begin < 0 || end > dataSize) {
                throw new CheckpointException(file + ": tensor '" + name + "' ends at byte " + (dataStart + end)
                        + " but the file has " + size + " bytes (truncated file)");
            }
            tensors.put(name, info);
            offsets.put(name, new long[] {begin, end});
        }
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

    private void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new CheckpointException(file + ": truncated file");
            }
            pos += n;
        }
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
