package dev.janusstream.runtime.generate;

import java.util.SplittableRandom;

/**
 * The random stream of one decoder row, on the host: one uniform double per sampled step (greedy
 * rows draw nothing). A row
 * owns its generator, so its draws depend only on its seed and on how many steps it has sampled,
 * never on the other rows of the batch. Not thread-safe (a row is decoded by one thread).
 */
public final class RowRng {
    private final long seed;
    private final SplittableRandom random;
    private long draws;

    public RowRng(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The stream of image {@code index} of a generation request: seed {@code requestSeed + index}. */
    public static RowRng forImage(long requestSeed, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("image index must be >= 0, got " + index);
        }
        return new RowRng(requestSeed + index);
    }

    /** Next uniform in [0, 1). */
    public double nextUniform() {
        draws++;
        return random.nextDouble();
    }

    public long seed() {
        return seed;
    }

    /** Uniforms drawn so far (one per sampled step). */
    public long draws() {
        return draws;
    }
}
