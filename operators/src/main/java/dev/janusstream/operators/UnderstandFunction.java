package dev.janusstream.operators;

import dev.janusstream.schemas.ImageRequest;
import dev.janusstream.schemas.WireFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Image events → answers (captions, answers to questions, or labels in labelling mode). Decodes
 * and checks the event on the task thread, reads a URI image on the service's I/O threads, then
 * queues the request at the slot's shared model.
 */
public class UnderstandFunction extends ModelAsyncFunction<ImageRequest> {
    private static final long serialVersionUID = 1L;
    private final ImageFetcher fetcher;

    public UnderstandFunction(ModelSpec spec, ImagePolicy images, RequestLimits limits, DeadLetters deadLetters) {
        super(spec, limits, deadLetters);
        this.fetcher = new ImageFetcher(images);
    }

    @Override
    protected WireFormat<ImageRequest> wireFormat() {
        return WireFormat.IMAGE_REQUEST;
    }

    @Override
    protected String requestId(ImageRequest r) {
        return r.getRequestId();
    }

    @Override
    protected CompletableFuture<List<Outgoing>> process(ImageRequest r) {
        Requests.validate(r, limits);
        CompletableFuture<byte[]> image = r.getImageBytes() != null
                ? CompletableFuture.completedFuture(fetcher.checkInline(Requests.bytes(r.getImageBytes())))
                : CompletableFuture.supplyAsync(() -> fetcher.fetch(r.getImageUri()), service.io());
        SlotModelService s = service;
        return image.thenCompose(bytes -> {
            ImageProbe.check(bytes, limits.maxImagePixels());
            if (Requests.labelling(r)) {
                return s.label(Requests.label(r, bytes)).thenApply(l -> Requests.answer(r, l, s.modelId()));
            }
            return s.understand(Requests.understand(r, bytes, limits)).thenApply(a -> Requests.answer(r, a, s.modelId()));
        }).thenApply(result -> List.of(Outgoing.of(Outgoing.Kind.ANSWER, r.getRequestId(), WireFormat.ANSWER.encode(result))));
    }
}
