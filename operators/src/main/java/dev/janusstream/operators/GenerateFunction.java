package dev.janusstream.operators;

import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.schemas.PromptRequest;
import dev.janusstream.schemas.WireFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Prompt events → generated images, one output record per image (num_images per event). */
public class GenerateFunction extends ModelAsyncFunction<PromptRequest> {
    private static final long serialVersionUID = 1L;

    public GenerateFunction(ModelSpec spec, RequestLimits limits, DeadLetters deadLetters) {
        super(spec, limits, deadLetters);
    }

    @Override
    protected WireFormat<PromptRequest> wireFormat() {
        return WireFormat.PROMPT_REQUEST;
    }

    @Override
    protected String requestId(PromptRequest p) {
        return p.getRequestId();
    }

    @Override
    protected CompletableFuture<List<Outgoing>> process(PromptRequest p) {
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
}
