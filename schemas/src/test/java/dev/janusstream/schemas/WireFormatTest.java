package dev.janusstream.schemas;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    static ImageRequest imageRequest() {
        return ImageRequest.newBuilder()
                .setRequestId("img-1")
                .setImageBytes(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setQuestion("What is in the picture?")
                .setDecoding(Decoding.newBuilder().setMaxNewTokens(12).setTemperature(0.7f).setSeed(42).build())
                .setCandidateLabels(List.of("cat", "dog"))
                .setMetadata(Map.of("source", "camera-7"))
                .build();
    }

    @Test
    void everyRecordRoundTripsWithSingleObjectHeader() {
        ImageRequest img = imageRequest();
        byte[] bytes = WireFormat.IMAGE_REQUEST.encode(img);
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        assertEquals(WireFormat.IMAGE_REQUEST.fingerprint(), WireFormat.fingerprintOf(bytes));
        assertEquals(img, WireFormat.IMAGE_REQUEST.decode(bytes));
        assertSame(WireFormat.IMAGE_REQUEST, WireFormat.detect(bytes));

        PromptRequest p = PromptRequest.newBuilder().setRequestId("p-1").setPrompt("a red fox").setNumImages(2).setSeed(7).build();
        assertEquals(5.0f, p.getCfgWeight());
        assertEquals(ImageFormat.PNG, p.getFormat());
        assertEquals(p, WireFormat.PROMPT_REQUEST.decode(WireFormat.PROMPT_REQUEST.encode(p)));

        Timings t = Timings.newBuilder().setQueueMs(1).setDecodeMs(2).build();
        AnswerResult a = AnswerResult.newBuilder().setRequestId("img-1").setText("cat").setTokenCount(1).setModelId("janus-tiny")
                .setTimings(t).setLabel(LabelScore.newBuilder().setLabel("cat").setProbability(0.6)
                        .setCandidates(List.of("cat", "dog")).setLogLikelihoods(List.of(-1.0, -1.4)).build())
                .build();
        assertEquals(a, WireFormat.ANSWER.decode(WireFormat.ANSWER.encode(a)));

        GeneratedImageResult g = GeneratedImageResult.newBuilder().setRequestId("p-1").setIndex(1).setNumImages(2)
                .setImage(ByteBuffer.wrap(new byte[] {9})).setWidth(64).setHeight(64).setSeed(8).setModelId("m").setTimings(t).build();
        assertEquals(g, WireFormat.GENERATED_IMAGE.decode(WireFormat.GENERATED_IMAGE.encode(g)));

        DeadLetter d = DeadLetter.newBuilder().setSourceTopic("image-requests").setSourcePartition(0).setSourceOffset(17)
                .setErrorCode("URI_NOT_ALLOWED").setMessage("file:///etc/passwd is outside the allowed roots")
                .setOriginal(ByteBuffer.wrap(new byte[] {1})).setOriginalSize(1).setTime(Instant.ofEpochMilli(1234)).build();
        DeadLetter back = WireFormat.DEAD_LETTER.decode(WireFormat.DEAD_LETTER.encode(d));
        assertEquals(d, back);
        assertEquals(Instant.ofEpochMilli(1234), back.getTime());
    }

    @Test
    void aValueOfAnotherTypeIsAnUnknownSchemaNotAMisread() {
        byte[] prompt = WireFormat.PROMPT_REQUEST.encode(
                PromptRequest.newBuilder().setRequestId("p").setPrompt("x").build());
        WireFormatException e = assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(prompt));
        assertEquals(WireFormatException.Reason.UNKNOWN_SCHEMA, e.getReason());
    }

    @Test
    void garbageEmptyAndTruncatedValuesHaveReasons() {
        assertEquals(WireFormatException.Reason.EMPTY,
                assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(new byte[0])).getReason());
        assertEquals(WireFormatException.Reason.EMPTY,
                assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(null)).getReason());
        assertEquals(WireFormatException.Reason.NOT_SINGLE_OBJECT,
                assertThrows(WireFormatException.class,
                        () -> WireFormat.IMAGE_REQUEST.decode("{\"request_id\":\"x\"}".getBytes())).getReason());
        byte[] ok = WireFormat.IMAGE_REQUEST.encode(imageRequest());
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 5);
        assertEquals(WireFormatException.Reason.CORRUPT,
                assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(cut)).getReason());
    }

    @Test
    void olderWriterSchemaStaysReadableWhenRegistered() {
        // v0 of PromptRequest: before cfg_weight, top_k, top_p, format and metadata existed.
        Schema v0 = SchemaBuilder.record("PromptRequest").namespace("dev.janusstream.schemas").fields()
                .requiredString("request_id").requiredString("prompt").requiredFloat("temperature")
                .requiredInt("num_images").requiredLong("seed").endRecord();
        GenericRecord old = new GenericData.Record(v0);
        old.put("request_id", "old-1");
        old.put("prompt", "a boat");
        old.put("temperature", 0.5f);
        old.put("num_images", 3);
        old.put("seed", 11L);
        byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v0), old);

        WireFormat<PromptRequest> reader = WireFormat.of(PromptRequest.class, PromptRequest.getClassSchema());
        assertEquals(WireFormatException.Reason.UNKNOWN_SCHEMA,
                assertThrows(WireFormatException.class, () -> reader.decode(bytes)).getReason());
        PromptRequest p = reader.alsoReading(v0).decode(bytes);
        assertEquals("old-1", p.getRequestId());
        assertEquals(3, p.getNumImages());
        assertEquals(5.0f, p.getCfgWeight(), "new field takes its default");
        assertEquals(ImageFormat.PNG, p.getFormat());
        assertTrue(p.getMetadata().isEmpty());
    }

    @Test
    void everyNonKeyFieldAddedLaterWouldNeedADefault() {
        // The evolution rule, checked on the current schemas: every optional field has a default.
        for (WireFormat<?> f : WireFormat.ALL) {
            for (Schema.Field field : f.schema().getFields()) {
                if (field.schema().getType() == Schema.Type.UNION) {
                    assertTrue(field.hasDefaultValue(), f + "." + field.name() + " is optional but has no default");
                }
            }
        }
        assertEquals(5, WireFormat.fingerprints().size());
    }

    private static byte[] toBytes(BinaryMessageEncoder<GenericRecord> enc, GenericRecord r) {
        try {
            ByteBuffer b = enc.encode(r);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }
}
