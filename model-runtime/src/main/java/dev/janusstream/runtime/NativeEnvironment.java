package dev.janusstream.runtime;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Environment variables that libtorch reads natively, set in this process before the PyTorch
 * engine first allocates. Java cannot change its own environment, so they are set with libc's
 * {@code setenv} (through JNA, which DJL already brings); libtorch reads them with {@code getenv}.
 *
 * <p>{@code THP_MEM_ALLOC_ENABLE=1}: libtorch's CPU allocator backs allocations of 2 MiB and
 * more with transparent huge pages ({@code madvise(MADV_HUGEPAGE)}, 2 MiB aligned). Activations of
 * the vision tower, prefill and the VQ decoder are tens of MB, allocated and freed per layer; with
 * 4 KiB pages every fresh one costs a page fault per 4 KiB, which on some machines (measured here:
 * first touch 0.3 GB/s against 21 GB/s re-touch) dominates the layer. c10 reads the variable once,
 * at the first allocation, so {@link #apply()} must run before any tensor exists; it is called
 * where the engine is first touched ({@link RuntimeOptions}, {@link JanusModel}).
 *
 * <p>glibc malloc (where the C library is glibc): freed memory is kept for reuse instead of being
 * unmapped or trimmed ({@code mallopt}: {@code M_MMAP_MAX 0}, {@code M_TRIM_THRESHOLD} max,
 * {@code M_TOP_PAD} 64 MiB; allocations too large for a thread's arena fall back to the main
 * heap), so steady-state tensors land on pages already mapped. RSS then stays at its high-water
 * mark. Off with {@code -Djanus.malloc.keep=false}.
 *
 * <p>A value the user exported (including {@code 0}), or any {@code MALLOC_*_} / {@code GLIBC_TUNABLES}
 * malloc setting, is kept as it is.
 */
public final class NativeEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(NativeEnvironment.class);

    /** What the runtime sets when the user has not: name → value. */
    static final Map<String, String> DEFAULTS = Map.of("THP_MEM_ALLOC_ENABLE", "1");

    private static volatile boolean applied;

    private NativeEnvironment() {}

    private interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);

        int mallopt(int param, int value);

        String gnu_get_libc_version();
    }

    // glibc's mallopt parameters (malloc.h)
    private static final int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_MAX = -4;

    /** Sets every default the user has not set; idempotent, cheap after the first call. */
    public static void apply() {
        if (applied) {
            return;
        }
        synchronized (NativeEnvironment.class) {
            if (applied) {
                return;
            }
            applied = true;
            LibC libc;
            try {
                libc = Native.load("c", LibC.class);
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                LOG.warn("cannot reach libc to set libtorch's environment ({}); large tensors use the default allocator", e.toString());
                return;
            }
            for (var e : DEFAULTS.entrySet()) {
                if (libc.getenv(e.getKey()) == null) {
                    libc.setenv(e.getKey(), e.getValue(), 0); // overwrite 0: never replaces a value
                }
            }
            if (!"false".equals(System.getProperty("janus.malloc.keep"))) {
                keepFreedMemory(libc);
            }
        }
    }

    private static void keepFreedMemory(LibC libc) {
        String version;
        try {
            version = libc.gnu_get_libc_version();
        } catch (UnsatisfiedLinkError e) {
            return; // not glibc
        }
        for (String v : new String[] {"MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"}) {
            if (libc.getenv(v) != null) {
                return; // the user tuned malloc
            }
        }
        libc.mallopt(M_MMAP_MAX, 0);
        libc.mallopt(M_TRIM_THRESHOLD, Integer.MAX_VALUE);
        libc.mallopt(M_TOP_PAD, 64 << 20);
        LOG.debug("glibc {}: freed memory kept for reuse", version);
    }

    /** The value libtorch will read for {@code name} (the native environment, not Java's snapshot). */
    public static String get(String name) {
        return Native.load("c", LibC.class).getenv(name);
    }
}
