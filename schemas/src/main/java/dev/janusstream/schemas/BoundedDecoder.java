package dev.janusstream.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.SystemLimitException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro's {@link BinaryDecoder} over one in-memory value, refusing any length or count that the
 * bytes left in the value cannot hold <em>before</em> anything is allocated for it.
 *
 * <p>Avro allocates a string, a {@code bytes} value or an array's backing store from the length
 * or item count written in the data: a 24-byte value that claims 1.5 billion array items or a
 * 2 GB string makes the plain decoder allocate that much (an {@link OutOfMemoryError}, not an
 * exception). Avro's own limits ({@code org.apache.avro.limits.string.maxLength},
 * {@code org.apache.avro.limits.bytes.maxLength}, {@code org.apache.avro.limits.collectionItems.maxLength};
 * {@link SystemLimitException}) still apply here, but they are JVM-wide caps; this decoder adds the
 * per-value bound: a string or {@code bytes} value of length {@code n} needs {@code n} bytes, and
 * every array item or map entry at least one byte (true of every topic schema: no array or map of
 * {@code null} or of empty records).
 *
 * <p>Violations throw {@link LengthException} (an {@link IOException}, as Avro's own EOF does).
 */
final class BoundedDecoder extends Decoder {

    /** A length or count in the data that the value cannot hold. */
    static final class LengthException extends IOException {
        LengthException(String message) {
            super(message);
        }
    }

    private final BinaryDecoder in;

    /** Decodes {@code bytes[offset, offset + length)}. */
    BoundedDecoder(byte[] bytes, int offset, int length) {
        this.in = DecoderFactory.get().binaryDecoder(bytes, offset, length, null);
    }

    /** Bytes not yet consumed: over an array, Avro's decoder buffers exactly the value. */
    private long remaining() throws IOException {
        return in.inputStream().available();
    }

    /** Throws unless every byte of the value was read (a value is exactly one record). */
    void requireEnd() throws IOException {
        long left = remaining();
        if (left != 0) {
            throw new LengthException(left + " bytes after the end of the record");
        }
    }

    /** {@code n}, once Avro's JVM-wide cap has passed it, if the value still holds n bytes. */
    private int length(String what, int n) throws IOException {
        long left = remaining();
        if (n > left) {
            throw new LengthException(what + " of length " + n + " in a value with " + left + " bytes left");
        }
        return n;
    }

    private long count(String what, long claimed) throws IOException {
        long left = remaining();
        if (claimed < 0 || claimed > left) { // Avro has turned a negative block count into its magnitude (Long.MIN_VALUE stays negative)
            throw new LengthException(what + " of " + claimed + " items in a value with " + left + " bytes left");
        }
        return claimed;
    }

    @Override
    public void readNull() throws IOException {
        in.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return in.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return in.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return in.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return in.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int n = length("string", SystemLimitException.checkMaxStringLength(in.readLong()));
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(n);
        if (n > 0) {
            in.readFixed(result.getBytes(), 0, n);
        }
        return result;
    }

    @Override
    public String readString() throws IOException {
        int n = length("string", SystemLimitException.checkMaxStringLength(in.readLong()));
        byte[] b = new byte[n];
        in.readFixed(b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public void skipString() throws IOException {
        in.skipString();
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int n = length("bytes", SystemLimitException.checkMaxBytesLength(in.readLong()));
        ByteBuffer result = old != null && n <= old.capacity() ? old.clear() : ByteBuffer.allocate(n);
        in.readFixed(result.array(), result.arrayOffset(), n);
        result.limit(n);
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipBytes();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return in.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
        return count("array", in.readArrayStart());
    }

    @Override
    public long arrayNext() throws IOException {
        return count("array", in.arrayNext());
    }

    @Override
    public long skipArray() throws IOException {
        return count("array", in.skipArray());
    }

    @Override
    public long readMapStart() throws IOException {
        return count("map", in.readMapStart());
    }

    @Override
    public long mapNext() throws IOException {
        return count("map", in.mapNext());
    }

    @Override
    public long skipMap() throws IOException {
        return count("map", in.skipMap());
    }

    @Override
    public int readIndex() throws IOException {
        return in.readIndex();
    }
}
