package dev.janusstream.runtime;

import java.util.List;

/** Pick the most likely of the candidate answers to a question about images (data labelling). */
public record LabelRequest(String id, List<byte[]> images, String question, List<String> candidates) {
    public LabelRequest {
        images = List.copyOf(images);
        candidates = List.copyOf(candidates);
        if (candidates.isEmpty()) {
            throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS, "no candidate labels");
        }
        question = question == null || question.isBlank() ? UnderstandRequest.DEFAULT_QUESTION : question;
    }
}
