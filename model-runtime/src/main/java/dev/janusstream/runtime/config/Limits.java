package dev.janusstream.runtime.config;

/**
 * Ranges a config value must lie in before anything is sized from it. Generous: Janus-Pro-7B uses
 * hidden 4096, intermediate 11008, 30 layers, 32 heads, vocab 102400, 16384 positions, 384-pixel
 * images; a value outside these ranges is a broken or hostile config, reported at start-up naming
 * the file and the key.
 */
final class Limits {
    static final int MAX_WIDTH = 1 << 16;
    static final int MAX_FFN = 1 << 18;
    static final int MAX_LAYERS = 512;
    static final int MAX_HEADS = 1024;
    static final int MAX_VOCAB = 1 << 22;
    static final int MAX_POSITIONS = 1 << 20;
    static final int MAX_IMAGE_SIZE = 4096;
    static final int MAX_CODEBOOK = 1 << 20;

    private Limits() {}
}
