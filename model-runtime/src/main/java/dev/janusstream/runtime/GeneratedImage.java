package dev.janusstream.runtime;

/** One generated image: encoded bytes plus what reproduces it. */
public record GeneratedImage(String requestId, int index, byte[] encoded, ImageFormat format, int width, int height,
        long seed, int[] tokens, Timings timings) {}
