package dev.janusstream.runtime.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.Locale;

/**
 * How fast this machine hands out fresh memory: {@code memset} of a freshly {@code mmap}ed
 * 1 GiB region (every 4 KiB page faults and is zeroed by the kernel: "first touch") against
 * {@code memset} of the same region again ("re-touch"). Where the first is far below the second,
 * every large tensor that is allocated and freed costs more than the arithmetic on it.
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    private interface LibC extends Library {
        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

        int munmap(Pointer addr, long length);

        int madvise(Pointer addr, long length, int advice);
    }

    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;

    /** GB/s of first touch (4 KiB pages), first touch with {@code MADV_HUGEPAGE}, and re-touch; NaN where unavailable. */
    public static double[] bandwidths(long bytes) {
        try {
            LibC libc = Native.load("c", LibC.class);
            double first = touch(libc, bytes, false, false);
            double huge = touch(libc, bytes, true, false);
            double again = touch(libc, bytes, false, true);
            return new double[] {first, huge, again};
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN, Double.NaN};
        }
    }

    private static double touch(LibC libc, long bytes, boolean hugePages, boolean retouch) {
        Pointer p = libc.mmap(null, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (Pointer.nativeValue(p) == -1L) {
            throw new IllegalStateException("mmap failed");
        }
        try {
            if (hugePages) {
                libc.madvise(p, bytes, MADV_HUGEPAGE);
            }
            if (retouch) {
                p.setMemory(0, bytes, (byte) 1);
            }
            long t0 = System.nanoTime();
            p.setMemory(0, bytes, (byte) 0); // memset
            return bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
        } finally {
            libc.munmap(p, bytes);
        }
    }

    /** One line for a benchmark's header: a 1 GiB probe (system property {@code janus.bench.probeMiB} to change). */
    public static String describe() {
        long mib = Long.getLong("janus.bench.probeMiB", 1024);
        double[] bw = bandwidths(mib << 20);
        return String.format(Locale.ROOT,
                "memory (%d MiB)%s first touch %.2f GB/s (4 KiB pages), %.2f GB/s (huge pages), re-touch %.2f GB/s; load average %s",
                mib, " ".repeat(Math.max(1, 5 - Long.toString(mib).length())), bw[0], bw[1], bw[2], loadAverage());
    }

    /** The 1-minute load average from /proc/loadavg ("n/a" elsewhere). */
    public static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
