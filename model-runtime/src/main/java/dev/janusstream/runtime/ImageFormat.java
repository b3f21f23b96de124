package dev.janusstream.runtime;

/** Encodings for generated images. */
public enum ImageFormat {
    PNG, JPEG;

    public static ImageFormat parse(String s) {
        if (s == null || s.isBlank()) {
            return PNG;
        }
        return switch (s.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "PNG" -> PNG;
            case "JPG", "JPEG" -> JPEG;
            default -> throw new InvalidRequestException(InvalidRequestException.Code.INVALID_PARAMETERS,
                    "unsupported output format '" + s + "' (png or jpeg)");
        };
    }
}
