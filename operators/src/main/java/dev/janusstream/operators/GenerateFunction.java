package dev.janusstream.operators;

import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import dev.janusstream.schemas.WireFormatException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Prompt events → generated images, one output record per image (num_images per event). */
public class GenerateFunction extends ModelAsyncFunction {
    private static final long serialVersionUID = 1L;

    public GenerateFunction(ModelSpec spec, RequestLimits limits, DeadLetters deadLetters) {
        super(spec, limits, deadLetters);
    }

    @Override
    protected CompletableFuture<List<Outgoing>> process(KafkaInput in) {
        PromptRequest p = decode(in);
        GenerateRequest request = Requests.generate(p, limits);
        SlotModelService s = service;
        return s.generate(request).thenApply(images -> {
            if (images.size() != p.getNumImages()) {
                throw new IllegalStateException("model returned " + images.size() + " images for num_images " + p.getNumImages());
            }
            List<Outgoing> out = new ArrayList<>(images.size());
            for (var g : images) {
                out.add(Outgoing.of(Outgoing.Kind.IMAGE, p.getRequestId(),
                        WireFormat.GENERATED_IMAGE.encode(Requests.image(p, g, s.modelId()))));
            }
            return out;
        });
    }

    private static PromptRequest decode(KafkaInput in) {
        try {
            return WireFormat.PROMPT_REQUEST.decode(in.value);
        } catch (WireFormatException e) {
            throw new RejectedException(ErrorCode.DESERIALIZATION, e.getReason() + ": " + e.getMessage());
        }
    }

    @Override
    protected String requestIdOf(KafkaInput in) {
        try {
            return WireFormat.PROMPT_REQUEST.decode(in.value).getRequestId();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
