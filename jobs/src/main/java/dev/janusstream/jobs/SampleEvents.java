package dev.janusstream.jobs;

import dev.janusstream.schemas.Decoding;
import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The demo's (and the tests') input: image events (inline, by URI, labelling), prompt events and
 * bad records of every kind, each Kafka record keyed by its request id so that results and dead
 * letters can be matched to it.
 */
public final class SampleEvents {
    public static final List<String> SAMPLE_IMAGES = List.of("sunset.png", "checkerboard.png", "house.png");

    /** What should come out: answers per request id, images per prompt id, dead-letter code per key. */
    public record Expected(List<String> answerIds, Map<String, Integer> imagesPerPrompt, Map<String, String> deadLetterCodes) {
        public int images() {
            return imagesPerPrompt.values().stream().mapToInt(Integer::intValue).sum();
        }

        public int total() {
            return answerIds.size() + images() + deadLetterCodes.size();
        }
    }

    public record Event(String topic, String key, byte[] value) {}

    private final List<Event> events = new ArrayList<>();
    private final List<String> answers = new ArrayList<>();
    private final Map<String, Integer> images = new LinkedHashMap<>();
    private final Map<String, String> dead = new LinkedHashMap<>();
    private final JobOptions o;

    public SampleEvents(JobOptions o) {
        this.o = o;
    }

    /** Copies the bundled sample images to {@code dir} (an allowed image root) and returns their paths. */
    public static List<Path> writeSampleImages(Path dir) {
        try {
            Files.createDirectories(dir);
            List<Path> out = new ArrayList<>();
            for (String name : SAMPLE_IMAGES) {
                Path p = dir.resolve(name);
                Files.write(p, sampleImage(name));
                out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] sampleImage(String name) {
        try (InputStream in = SampleEvents.class.getResourceAsStream("/samples/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing bundled sample " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public SampleEvents caption(String id, byte[] image, String question, int maxNewTokens, long seed) {
        ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(image)).setQuestion(question)
                .setDecoding(Decoding.newBuilder().setMaxNewTokens(maxNewTokens).setSeed(seed).build())
                .setMetadata(Map.of("sample", id)).build();
        return image(id, r);
    }

    public SampleEvents captionByUri(String id, Path file, int maxNewTokens) {
        ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setImageUri(file.toUri().toString())
                .setDecoding(Decoding.newBuilder().setMaxNewTokens(maxNewTokens).build()).build();
        return image(id, r);
    }

    public SampleEvents label(String id, byte[] image, String question, List<String> candidates) {
        ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(image)).setQuestion(question)
                .setCandidateLabels(candidates).build();
        return image(id, r);
    }

    private SampleEvents image(String id, ImageRequest r) {
        events.add(new Event(o.imageTopic, id, WireFormat.IMAGE_REQUEST.encode(r)));
        answers.add(id);
        return this;
    }

    public SampleEvents prompt(String id, String prompt, int n, long seed) {
        PromptRequest p = PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt).setNumImages(n).setSeed(seed)
                .setMetadata(Map.of("sample", id)).build();
        events.add(new Event(o.promptTopic, id, WireFormat.PROMPT_REQUEST.encode(p)));
        images.put(id, n);
        return this;
    }

    /** Bad records of each kind, each expected as one dead letter with its code. */
    public SampleEvents badRecords(Path missingFileUnderRoot) {
        bad(o.imageTopic, "bad-garbage", "not avro at all".getBytes(StandardCharsets.UTF_8), "DESERIALIZATION");
        bad(o.imageTopic, "bad-wrong-schema", WireFormat.PROMPT_REQUEST.encode(
                PromptRequest.newBuilder().setRequestId("bad-wrong-schema").setPrompt("x").build()), "DESERIALIZATION");
        bad(o.imageTopic, "bad-passwd", WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("bad-passwd")
                .setImageUri("file:///etc/passwd").build()), "URI_NOT_ALLOWED");
        bad(o.imageTopic, "bad-missing", WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("bad-missing")
                .setImageUri(missingFileUnderRoot.toUri().toString()).build()), "URI_UNREADABLE");
        bad(o.imageTopic, "bad-image", WireFormat.IMAGE_REQUEST.encode(ImageRequest.newBuilder().setRequestId("bad-image")
                .setImageBytes(ByteBuffer.wrap("GIF89a-but-not-really".getBytes(StandardCharsets.UTF_8))).build()), "IMAGE_UNDECODABLE");
        bad(o.promptTopic, "bad-num-images", WireFormat.PROMPT_REQUEST.encode(PromptRequest.newBuilder()
                .setRequestId("bad-num-images").setPrompt("a cat").setNumImages(0).build()), "INVALID_PARAMETERS");
        bad(o.promptTopic, "bad-empty", new byte[0], "DESERIALIZATION");
        return this;
    }

    public SampleEvents bad(String topic, String key, byte[] value, String code) {
        events.add(new Event(topic, key, value));
        dead.put(key, code);
        return this;
    }

    public List<Event> events() {
        return events;
    }

    public Expected expected() {
        return new Expected(List.copyOf(answers), Map.copyOf(images), Map.copyOf(dead));
    }

    /** Publishes every event (flushed) and returns what should come out. */
    public Expected publish(KafkaProducer<byte[], byte[]> producer) {
        for (Event e : events) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(e.topic(), e.key().getBytes(StandardCharsets.UTF_8), e.value()));
        }
        producer.flush();
        return expected();
    }

    /** The demo's standard set: 3 captions (2 inline, 1 by URI), 1 labelling event, 2 prompts, 7 bad records. */
    public static SampleEvents standard(JobOptions o, Path imageDir, int imagesPerPrompt, int maxNewTokens) {
        List<Path> files = writeSampleImages(imageDir);
        return new SampleEvents(o)
                .caption("img-sunset", sampleImage("sunset.png"), null, maxNewTokens, 1)
                .caption("img-checkerboard", sampleImage("checkerboard.png"), "What pattern is this?", maxNewTokens, 2)
                .captionByUri("img-house-by-uri", files.get(2), maxNewTokens)
                .label("img-label", sampleImage("sunset.png"), "What time of day is it?", List.of("morning", "noon", "evening"))
                .prompt("prompt-fox", "a red fox in the snow", imagesPerPrompt, 42)
                .prompt("prompt-city", "a city skyline at night", imagesPerPrompt, 7)
                .badRecords(imageDir.resolve("no-such-image.png"));
    }
}
