package dev.janusstream.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * A PyTorch zip checkpoint as written by {@code torch.save} (the format of the official
 * Janus-Pro {@code pytorch_model.bin}): {@code <dir>/data.pkl} describes the state dict, and each
 * storage is an uncompressed zip entry {@code <dir>/data/<key>}. {@code <dir>} depends on the
 * PyTorch version and the file name ({@code archive}, {@code pytorch_model}, ...).
 *
 * <p>The zip's central directory gives each entry's data offset; tensors are then memory-mapped
 * straight from the file like safetensors, one mapping per tensor. {@code data.pkl} is read with
 * an allow-list ({@link TorchPickle}): opening an untrusted file never runs code from it.
 */
public final class TorchBinFile implements TensorSource {
    /** data.pkl is a few hundred KiB even for 7B models; more means something else is in there. */
    private static final long MAX_PICKLE = 64L << 20;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    /** Absolute file position of each tensor's first byte. */
    private final Map<String, Long> positions = new LinkedHashMap<>();

    private TorchBinFile(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Reads the zip directory and data.pkl and checks every tensor against its storage entry. */
    public static TorchBinFile open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
        TorchBinFile bin = new TorchBinFile(file, channel);
        try {
            bin.index();
            return bin;
        } catch (RuntimeException e) {
            bin.close();
            throw e;
        }
    }

    private void index() {
        long fileSize;
        ZipFile zip;
        try {
            fileSize = channel.size();
            zip = ZipFile.builder().setPath(file).get();
        } catch (IOException e) {
            // The central directory sits at the very end, so a download cut short fails here.
            throw new CheckpointException(file + ": not a readable zip archive (truncated download, or not a "
                    + "torch.save checkpoint): " + e.getMessage(), e);
        }
        try (zip) {
            String dir = archiveDir(zip);
            checkByteOrder(zip, dir);
            String where = file + ": " + dir + "/data.pkl";
            Map<String, TorchPickle.Tensor> refs = TorchPickle.stateDict(readPickle(zip, dir + "/data.pkl"), where);
            Map<String, long[]> storages = new LinkedHashMap<>(); // key -> {data offset, size}
            for (Map.Entry<String, TorchPickle.Tensor> e : refs.entrySet()) {
                String name = e.getKey();
                TorchPickle.Tensor t = e.getValue();
                TorchPickle.Storage s = t.storage();
                String entryName = dir + "/data/" + s.key();
                long[] entry = storages.get(s.key());
                if (entry == null) {
                    entry = storageEntry(zip, entryName, name, fileSize);
                    long declared = Math.multiplyExact(s.numel(), s.dtype().bytes());
                    if (declared != entry[1]) {
                        throw new CheckpointException(file + ": tensor '" + name + "': storage entry " + entryName
                                + " holds " + entry[1] + " bytes but data.pkl declares " + s.numel() + " "
                                + s.dtype() + " elements (" + declared + " bytes)");
                    }
                    storages.put(s.key(), entry);
                }
                TensorInfo info = new TensorInfo(name, s.dtype(), t.shape(), file);
                checkContiguous(name, t);
                long begin = Math.multiplyExact(t.offset(), s.dtype().bytes());
                long end = Math.addExact(begin, info.byteSize());
                if (end > entry[1]) {
                    throw new CheckpointException(file + ": tensor '" + name + "' " + s.dtype() + info.shapeString()
                            + " at storage offset " + t.offset() + " needs bytes [" + begin + ", " + end + ") of "
                            + entryName + ", which holds only " + entry[1] + " bytes (truncated file?)");
                }
                tensors.put(name, info);
                positions.put(name, entry[0] + begin);
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read zip archive: " + e.getMessage(), e);
        }
    }

    /** The one top-level folder holding {@code data.pkl}; its name varies with the PyTorch version. */
    private String archiveDir(ZipFile zip) {
        List<String> dirs = new ArrayList<>();
        for (ZipArchiveEntry e : Collections.list(zip.getEntries())) {
            String n = e.getName();
            int slash = n.indexOf('/');
            if (slash > 0 && n.substring(slash).equals("/data.pkl")) {
                dirs.add(n.substring(0, slash));
            }
        }
        if (dirs.size() != 1) {
            throw new CheckpointException(file + ": expected exactly one <dir>/data.pkl in the zip archive, found "
                    + (dirs.isEmpty() ? "none (not a torch.save checkpoint?)" : dirs));
        }
        return dirs.get(0);
    }

    /** torch.save records the writer's byte order since 1.12; older files are little-endian. */
    private void checkByteOrder(ZipFile zip, String dir) throws IOException {
        ZipArchiveEntry e = zip.getEntry(dir + "/byteorder");
        if (e != null) {
            String order = new String(readPickle(zip, e.getName()), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new CheckpointException(file + ": " + e.getName() + " says '" + order
                        + "'; only little-endian checkpoints are supported");
            }
        }
    }

    private byte[] readPickle(ZipFile zip, String name) throws IOException {
        ZipArchiveEntry e = zip.getEntry(name);
        if (e.getSize() > MAX_PICKLE) {
            throw new CheckpointException(file + ": " + name + " is " + e.getSize() + " bytes, over the "
                    + MAX_PICKLE + " expected of a state dict index");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    /** {data offset, size} of a storage entry, which must be uncompressed and lie inside the file. */
    private long[] storageEntry(ZipFile zip, String entryName, String tensor, long fileSize) {
        ZipArchiveEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': storage entry " + entryName
                    + " is missing from the zip archive");
        }
        if (e.getMethod() != ZipArchiveEntry.STORED || e.getCompressedSize() != e.getSize()) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': storage entry " + entryName
                    + " is compressed (method " + e.getMethod() + "); torch.save stores storages uncompressed "
                    + "and only those can be memory-mapped");
        }
        try {
            // commons-compress reads an entry's local header (hence its data offset) on first access.
            zip.getRawInputStream(e).close();
        } catch (IOException ex) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': cannot read the local header of "
                    + entryName + " (truncated file?): " + ex.getMessage(), ex);
        }
        long offset = e.getDataOffset();
        if (offset < 0 || offset + e.getSize() > fileSize) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': storage entry " + entryName
                    + " ends at byte " + (offset + e.getSize()) + " but the file has " + fileSize
                    + " bytes (truncated file)");
        }
        return new long[] {offset, e.getSize()};
    }

    /** Only row-major contiguous views can be mapped as they are; size-1 dimensions may have any stride. */
    private void checkContiguous(String name, TorchPickle.Tensor t) {
        long[] shape = t.shape();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 0) {
                return; // no elements: strides are meaningless
            }
            if (shape[i] != 1 && t.stride()[i] != expected) {
                throw new CheckpointException(file + ": tensor '" + name + "' has shape "
                        + Arrays.toString(shape) + " with strides " + Arrays.toString(t.stride())
                        + "; only contiguous row-major tensors are supported (save it with .contiguous())");
            }
            expected *= shape[i];
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    @Override
    public ByteBuffer bytes(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        return FileMapping.map(channel, file, name, positions.get(name), info.byteSize());
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
