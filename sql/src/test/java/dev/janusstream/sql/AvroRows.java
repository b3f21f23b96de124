package dev.janusstream.sql;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.formats.avro.typeutils.AvroSchemaConverter;
import org.apache.flink.table.types.DataType;

/** Kafka values in Flink's {@code 'format' = 'avro'} (plain Avro binary of the schema Flink derives from the table's row type). */
final class AvroRows {
    final Schema schema;

    AvroRows(DataType rowType) {
        this.schema = AvroSchemaConverter.convertToSchema(rowType.notNull().getLogicalType());
    }

    /** One value; byte[] fields are written as Avro bytes. */
    byte[] encode(Object... fields) {
        GenericRecord r = new GenericData.Record(schema);
        for (int i = 0; i < fields.length; i++) {
            r.put(i, fields[i] instanceof byte[] b ? ByteBuffer.wrap(b) : fields[i]);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(r, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    GenericRecord decode(byte[] value) {
        try {
            return new GenericDatumReader<GenericRecord>(schema).read(null, DecoderFactory.get().binaryDecoder(value, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
