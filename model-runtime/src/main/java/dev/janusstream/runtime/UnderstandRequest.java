package dev.janusstream.runtime;

import java.util.List;

/**
 * One question about zero or more images (encoded bytes: JPEG, PNG, GIF, BMP, WebP).
 * The question may reference images with {@code <image_placeholder>} only through {@code images}:
 * one image slot is put before the question per image, and text is never parsed for special tokens.
 */
public record UnderstandRequest(String id, List<byte[]> images, String question, DecodingParams params) {
    public static final String DEFAULT_QUESTION = "Describe the image.";

    public UnderstandRequest {
        images = List.copyOf(images);
        question = question == null || question.isBlank() ? DEFAULT_QUESTION : question;
        params = params == null ? DecodingParams.GREEDY : params;
    }
}
