package dev.janusstream.runtime.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * <p>The zip's central directory gives each entry's data offset; tensors are then read
 * (or memory-mapped, one mapping per tensor) straight from the file like safetensors. {@code data.pkl} is read with
 * an allow-list ({@link TorchPickle}): opening an untrusted file never runs code from it.
 */
public final class TorchBinFile implements TensorSource {
    /** data.pkl is a few hundred KiB even for 7B models; more means something else is in there. */
    static final int MAX_PICKLE = 16 << 20;
    /**
     * Most zip entries: a torch.save file has one per storage plus a few.
     * commons-compress keeps an object per central-directory entry, so this bounds its heap.
     */
    static final long MAX_ENTRIES = 1L << 17;
    /** Most central-directory bytes (entry names are short: {@code archive/data/123}). */
    static final long MAX_CENTRAL_DIRECTORY = 32L << 20;

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
            checkCentralDirectory(fileSize);
            zip = ZipFile.builder().setPath(file).setMaxNumberOfDisks(1).get();
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
                try {
                    indexTensor(zip, dir, e.getKey(), e.getValue(), storages, fileSize);
                } catch (ArithmeticException ex) {
                    throw new CheckpointException(file + ": tensor '" + e.getKey() + "': storage offset, size or "
                            + "element count overflows 64 bits (corrupt data.pkl)", ex);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read zip archive: " + e.getMessage(), e);
        }
    }

    private void indexTensor(ZipFile zip, String dir, String name, TorchPickle.Tensor t, Map<String, long[]> storages,
            long fileSize) {
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

    /**
     * Checks the end-of-central-directory record (and its ZIP64 form) before commons-compress
     * reads the directory into memory: at most {@link #MAX_ENTRIES} entries in at most
     * {@link #MAX_CENTRAL_DIRECTORY} bytes, lying where the record says, just before it.
     */
    private void checkCentralDirectory(long fileSize) throws IOException {
        int tailLen = (int) Math.min(fileSize, 22 + 0xFFFF); // EOCD + the longest zip comment
        ByteBuffer tail = ByteBuffer.allocate(tailLen).order(ByteOrder.LITTLE_ENDIAN);
        readFully(tail, fileSize - tailLen);
        int eocd = -1;
        for (int i = tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            return; // not a zip: commons-compress says so with its own message
        }
        long entries = Short.toUnsignedLong(tail.getShort(eocd + 10));
        long cdSize = Integer.toUnsignedLong(tail.getInt(eocd + 12));
        long cdOffset = Integer.toUnsignedLong(tail.getInt(eocd + 16));
        long cdEnd = fileSize - tailLen + eocd;
        if (eocd >= 20 && tail.getInt(eocd - 20) == 0x07064b50) { // ZIP64 (PyTorch always writes it)
            long zip64Eocd = tail.getLong(eocd - 20 + 8);
            if (zip64Eocd < 0 || zip64Eocd > fileSize - 56) {
                throw new CheckpointException(file + ": ZIP64 end of central directory at byte "
                        + Long.toUnsignedString(zip64Eocd) + " lies outside the file (" + fileSize + " bytes)");
            }
            ByteBuffer z = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
            readFully(z, zip64Eocd);
            if (z.getInt(0) != 0x06064b50) {
                throw new CheckpointException(file + ": no ZIP64 end of central directory record at byte " + zip64Eocd);
            }
            entries = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
            cdEnd = zip64Eocd;
        }
        if (entries < 0 || entries > MAX_ENTRIES || cdSize < 0 || cdSize > MAX_CENTRAL_DIRECTORY) {
            throw new CheckpointException(file + ": zip central directory claims " + Long.toUnsignedString(entries)
                    + " entries in " + Long.toUnsignedString(cdSize) + " bytes; a torch.save checkpoint has at most "
                    + MAX_ENTRIES + " entries in " + MAX_CENTRAL_DIRECTORY + " bytes");
        }
        if (cdOffset < 0 || cdOffset + cdSize != cdEnd) {
            throw new CheckpointException(file + ": zip central directory [" + Long.toUnsignedString(cdOffset) + ", +"
                    + cdSize + ") does not end where its end record starts (byte " + cdEnd
                    + "): truncated or corrupt archive");
        }
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        FileMapping.readFully(channel, file, dst, position);
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
        // The size in the directory may be unknown (-1) or wrong, and the entry compressed: read at most the limit + 1.
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes(MAX_PICKLE + 1);
            if (b.length > MAX_PICKLE) {
                throw new CheckpointException(file + ": " + name + " holds more than " + MAX_PICKLE
                        + " bytes (uncompressed), over what a state dict index needs");
            }
            return b;
        }
    }

    /** {data offset, size} of a storage entry, which must be uncompressed and lie inside the file. */
    private long[] storageEntry(ZipFile zip, String entryName, String tensor, long fileSize) {
        ZipArchiveEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': storage entry " + entryName
                    + " is missing from the zip archive");
        }
        if (e.getSize() < 0) {
            throw new CheckpointException(file + ": tensor '" + tensor + "': storage entry " + entryName
                    + " has no valid size in the zip directory (" + e.getSize() + ")");
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
        if (offset < 0 || e.getSize() > fileSize - offset) {
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
    public void readInto(String name, ByteBuffer dst) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(file + ": no tensor '" + name + "'");
        }
        FileMapping.read(channel, file, name, dst, positions.get(name), info.byteSize());
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
