package dev.janusstream.operators;

import dev.janusstream.runtime.InvalidRequestException;

/** Stable dead-letter reasons (the {@code error_code} field of a DeadLetter). */
public enum ErrorCode {
    /** the value is not a single-object encoded record of the topic's schema */
    DESERIALIZATION,
    /** no request_id */
    MISSING_REQUEST_ID,
    /** neither image_bytes nor image_uri (or both) */
    MISSING_IMAGE,
    IMAGE_EMPTY,
    IMAGE_UNDECODABLE,
    /** inline or fetched image over the size limit, or too many pixels */
    IMAGE_TOO_LARGE,
    /** image_uri outside the allowed roots/schemes, or not a valid URI */
    URI_NOT_ALLOWED,
    /** allowed but could not be read (missing, a directory, I/O error) */
    URI_UNREADABLE,
    INVALID_PARAMETERS,
    PROMPT_TOO_LONG,
    BATCH_TOO_LARGE,
    /** the model failed on this request alone (it was retried on its own) */
    MODEL_FAILURE,
    /** no result within the operator's timeout */
    TIMEOUT,
    /** a result larger than the job's --max-result-bytes (what the broker accepts) */
    RESULT_TOO_LARGE;

    public static ErrorCode of(InvalidRequestException.Code code) {
        return switch (code) {
            case IMAGE_EMPTY -> IMAGE_EMPTY;
            case IMAGE_UNDECODABLE -> IMAGE_UNDECODABLE;
            case IMAGE_TOO_LARGE -> IMAGE_TOO_LARGE;
            case INVALID_PARAMETERS -> INVALID_PARAMETERS;
            case PROMPT_TOO_LONG -> PROMPT_TOO_LONG;
            case BATCH_TOO_LARGE -> BATCH_TOO_LARGE;
        };
    }
}
