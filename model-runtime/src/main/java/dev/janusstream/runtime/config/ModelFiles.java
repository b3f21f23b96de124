package dev.janusstream.runtime.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small text files of a model directory (configs, tokenizer files, shard indexes) with a
 * size limit checked before anything is read into memory: a model directory is input too, and a
 * multi-gigabyte "config.json" must fail at start-up naming the file, not exhaust the heap.
 */
public final class ModelFiles {
    /** {@code config.json}, {@code preprocessor_config.json}, {@code processor_config.json}: a few KiB in real checkpoints. */
    public static final long MAX_CONFIG_BYTES = 1L << 20;
    /** {@code tokenizer_config.json}, {@code special_tokens_map.json}: a few KiB in real checkpoints. */
    public static final long MAX_TOKENIZER_CONFIG_BYTES = 16L << 20;
    /** {@code tokenizer.json}: a few MB for a 100k-token BPE. */
    public static final long MAX_TOKENIZER_BYTES = 64L << 20;
    /** {@code model.safetensors.index.json} / {@code pytorch_model.bin.index.json}: about 100 bytes per tensor. */
    public static final long MAX_INDEX_BYTES = 16L << 20;

    private ModelFiles() {}

    /**
     * The file as UTF-8 text.
     *
     * @throws IllegalArgumentException naming the file when it holds more than {@code maxBytes}
     *     bytes (checked from its size, then by reading at most {@code maxBytes + 1} bytes, so a
     *     file that grows or a special file cannot get past it)
     * @throws IOException when it cannot be read
     */
    public static String readString(Path file, long maxBytes) throws IOException {
        if (maxBytes < 0 || maxBytes >= Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxBytes out of range: " + maxBytes);
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw tooLarge(file, size, maxBytes);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes((int) maxBytes + 1);
            if (b.length > maxBytes) {
                throw tooLarge(file, b.length, maxBytes);
            }
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private static IllegalArgumentException tooLarge(Path file, long size, long max) {
        return new IllegalArgumentException(file + ": " + (size > max && size == max + 1 ? "more than " + max : size)
                + " bytes, over the limit of " + max + " bytes for this file");
    }
}
