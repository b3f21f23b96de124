package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.schemas.DeadLetter;
import dev.janusstream.schemas.Decoding;
import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestsTest {
    final RequestLimits limits = RequestLimits.defaults();

    private static ImageRequest.Builder image(String id) {
        return ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(new byte[] {1}));
    }

    private ErrorCode code(Runnable r) {
        return assertThrows(RejectedException.class, r::run).code();
    }

    @Test
    void imageEventsAreCheckedBeforeAnyIo() {
        Requests.validate(image("ok").build(), limits);
        assertEquals(ErrorCode.MISSING_REQUEST_ID, code(() -> Requests.validate(image(" ").build(), limits)));
        assertEquals(ErrorCode.MISSING_IMAGE, code(() -> Requests.validate(
                ImageRequest.newBuilder().setRequestId("x").build(), limits)));
        assertEquals(ErrorCode.MISSING_IMAGE, code(() -> Requests.validate(image("x").setImageUri("file:///a.png").build(), limits)));
        assertEquals(ErrorCode.INVALID_PARAMETERS, code(() -> Requests.validate(image("x")
                .setDecoding(Decoding.newBuilder().setMaxNewTokens(10_000).build()).build(), limits)));
        assertEquals(ErrorCode.INVALID_PARAMETERS, code(() -> Requests.validate(image("x")
                .setCandidateLabels(List.of("cat", " ")).build(), limits)));
        // parameters the runtime refuses surface as InvalidRequestException (-> INVALID_PARAMETERS)
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Requests.validate(image("x")
                .setDecoding(Decoding.newBuilder().setTopP(0f).build()).build(), limits));
        assertEquals(ErrorCode.INVALID_PARAMETERS, SlotModelService.reject(e).code());
    }

    @Test
    void labellingModeOnlyWithCandidates() {
        assertFalse(Requests.labelling(image("a").build()));
        assertFalse(Requests.labelling(image("a").setCandidateLabels(List.of()).build()));
        assertTrue(Requests.labelling(image("a").setCandidateLabels(List.of("cat", "dog")).build()));
        assertEquals("Describe the image.", Requests.label(image("a").setCandidateLabels(List.of("cat")).build(), new byte[] {1}).question());
    }

    @Test
    void promptEventsMapToSeededGenerateRequests() {
        PromptRequest p = PromptRequest.newBuilder().setRequestId("p").setPrompt("a fox").setNumImages(3).setSeed(9).build();
        var g = Requests.generate(p, limits);
        assertEquals(3, g.parallelSize());
        assertEquals(9, g.seed());
        assertEquals(5f, g.cfgWeight());
        assertEquals(ErrorCode.INVALID_PARAMETERS, code(() -> Requests.generate(
                PromptRequest.newBuilder(p).setNumImages(17).build(), limits)));
        assertThrows(InvalidRequestException.class, () -> Requests.generate(PromptRequest.newBuilder(p).setNumImages(0).build(), limits));
    }

    @Test
    void deadLettersKeepTheOriginTruncatedBytesAndAKey() {
        KafkaInput in = new KafkaInput("image-requests", 2, 17, 0, null, new byte[100]);
        Outgoing o = new DeadLetters(10).outgoing(in, null, ErrorCode.DESERIALIZATION, "bad");
        assertEquals(Outgoing.Kind.DEAD_LETTER, o.kind);
        assertEquals("image-requests-2-17", new String(o.key, StandardCharsets.UTF_8));
        DeadLetter d = WireFormat.DEAD_LETTER.decode(o.value);
        assertEquals(17, d.getSourceOffset());
        assertEquals(2, d.getSourcePartition());
        assertEquals(10, d.getOriginal().remaining());
        assertEquals(100, d.getOriginalSize());
        assertEquals("req", new DeadLetters(10).outgoing(in, "req", ErrorCode.TIMEOUT, "late").keyString());
    }
}
