package dev.janusstream.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.DatumReader;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * THE wire format of every Janus Stream topic: Avro binary with single-object encoding
 * ({@code C3 01}, the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then the
 * Avro binary body). A reader therefore knows which schema wrote a value and refuses one it does
 * not know instead of misreading it.
 *
 * <p>Schema evolution: add fields only as optional with defaults (new readers read old values,
 * old readers skip new fields once they know the new writer schema); register earlier writer
 * schemas with {@link #alsoReading(Schema)} so values written by them stay readable.
 *
 * <p>Thread-safe: one instance per record type can be shared.
 */
public final class WireFormat<T extends SpecificRecord> {

    /** The two marker bytes that open every single-object encoded value. */
    public static final byte[] MAGIC = {(byte) 0xC3, (byte) 0x01};
    public static final int HEADER_LENGTH = 10;

    public static final WireFormat<ImageRequest> IMAGE_REQUEST = of(ImageRequest.class, ImageRequest.getClassSchema());
    public static final WireFormat<PromptRequest> PROMPT_REQUEST = of(PromptRequest.class, PromptRequest.getClassSchema());
    public static final WireFormat<AnswerResult> ANSWER = of(AnswerResult.class, AnswerResult.getClassSchema());
    public static final WireFormat<GeneratedImageResult> GENERATED_IMAGE =
            of(GeneratedImageResult.class, GeneratedImageResult.getClassSchema());
    public static final WireFormat<DeadLetter> DEAD_LETTER = of(DeadLetter.class, DeadLetter.getClassSchema());

    /** Every topic's schema, for documentation and registries. */
    public static final List<WireFormat<?>> ALL = List.of(IMAGE_REQUEST, PROMPT_REQUEST, ANSWER, GENERATED_IMAGE, DEAD_LETTER);

    private final Class<T> type;
    private final Schema schema;
    private final SpecificData model;
    private final BinaryMessageEncoder<T> encoder;
    /** Readers by writer-schema fingerprint: this schema's own, plus those added by {@link #alsoReading}. */
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();

    private WireFormat(Class<T> type, Schema schema) {
        this.type = type;
        this.schema = schema;
        this.model = SpecificData.getForClass(type); // the generated class's model, with its conversions
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        readers.put(SchemaNormalization.parsingFingerprint64(schema), new SpecificDatumReader<>(schema, schema, model));
    }

    public static <T extends SpecificRecord> WireFormat<T> of(Class<T> type, Schema schema) {
        return new WireFormat<>(type, schema);
    }

    /** Accepts values written with an earlier (or later) version of this record's schema. */
    public WireFormat<T> alsoReading(Schema writerSchema) {
        readers.putIfAbsent(SchemaNormalization.parsingFingerprint64(writerSchema),
                new SpecificDatumReader<>(writerSchema, schema, model));
        return this;
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /** CRC-64-AVRO fingerprint of this reader's own schema, as written in each header. */
    public long fingerprint() {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    public byte[] encode(T value) {
        Objects.requireNonNull(value, "value");
        try {
            ByteBuffer buf = encoder.encode(value);
            return Arrays.copyOfRange(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit());
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException(WireFormatException.Reason.INVALID_VALUE,
                    type.getSimpleName() + " cannot be encoded: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes one value; never returns null, throws {@link WireFormatException} with a reason.
     *
     * <p>Safe on untrusted bytes: no length or count in the body makes it allocate more than the
     * value itself could hold (see {@link BoundedDecoder}); Avro's JVM-wide limits
     * ({@code org.apache.avro.limits.*} system properties) apply on top. Whatever the bytes, the
     * outcome is a value or a {@link WireFormatException}.
     */
    public T decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException(WireFormatException.Reason.EMPTY, "empty value (tombstone or missing payload)");
        }
        if (!isSingleObject(bytes)) {
            throw new WireFormatException(WireFormatException.Reason.NOT_SINGLE_OBJECT,
                    "not Avro single-object encoded (expected C3 01 header)");
        }
        long fp = fingerprintOf(bytes);
        DatumReader<T> reader = readers.get(fp);
        if (reader == null) {
            throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA,
                    "written with an unknown schema (fingerprint " + Long.toHexString(fp) + "), expected "
                            + type.getSimpleName() + " " + Long.toHexString(fingerprint()));
        }
        try {
            BoundedDecoder body = new BoundedDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
            T value = reader.read(null, body);
            body.requireEnd();
            return value;
        } catch (IOException | RuntimeException e) { // EOF, a length the value cannot hold, Avro's limits, bad indexes
            throw new WireFormatException(WireFormatException.Reason.CORRUPT,
                    "corrupt " + type.getSimpleName() + " body: " + e, e);
        }
    }

    /** The writer-schema fingerprint in a single-object header (caller checks {@link #isSingleObject}). */
    public static long fingerprintOf(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    public static boolean isSingleObject(byte[] bytes) {
        return bytes != null && bytes.length >= HEADER_LENGTH && bytes[0] == MAGIC[0] && bytes[1] == MAGIC[1];
    }

    /** Which known topic schema wrote these bytes, or null. */
    public static WireFormat<?> detect(byte[] bytes) {
        if (!isSingleObject(bytes)) {
            return null;
        }
        long fp = fingerprintOf(bytes);
        for (WireFormat<?> f : ALL) {
            if (f.fingerprint() == fp) {
                return f;
            }
        }
        return null;
    }

    /** Fingerprints of every topic schema, hex, for docs. */
    public static Map<String, String> fingerprints() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (WireFormat<?> f : ALL) {
            m.put(f.type.getSimpleName(), String.format("%016x", f.fingerprint()));
        }
        return m;
    }

    @Override
    public String toString() {
        return "WireFormat[" + type.getSimpleName() + "]";
    }
}
