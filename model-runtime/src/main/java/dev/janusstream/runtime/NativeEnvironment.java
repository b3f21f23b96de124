package dev.janusstream.runtime;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where this process's native libraries (libtorch through DJL, glibc) are configured
 * beyond what DJL exposes. {@link #apply()} runs before the engine's first tensor (allocator
 * settings); {@link #prepare()} loads the engine and sets libtorch's context (NNPACK off). Both
 * are idempotent and cheap after the first call.
 *
 * <p>Environment variables that libtorch reads natively are set in this process before the PyTorch
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
    private static volatile boolean prepared;

    private NativeEnvironment() {}

    /**
     * libc's functions, called through JNA's {@link NativeLibrary} cache (no {@code Native.load} of an
     * interface of ours: JNA keeps such interfaces' options, class loader included, in JVM-wide maps,
     * which on a Flink TaskManager — JNA loads from {@code lib/} — would keep every job's class loader alive).
     */
    private static final class LibC {
        private final NativeLibrary c = NativeLibrary.getInstance("c");

        int setenv(String name, String value, int overwrite) {
            return c.getFunction("setenv").invokeInt(new Object[] {name, value, overwrite});
        }

        String getenv(String name) {
            return c.getFunction("getenv").invokeString(new Object[] {name}, false);
        }

        int mallopt(int param, int value) {
            return c.getFunction("mallopt").invokeInt(new Object[] {param, value});
        }

        String gnu_get_libc_version() {
            return c.getFunction("gnu_get_libc_version").invokeString(new Object[0], false);
        }
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
                libc = new LibC();
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
        return new LibC().getenv(name);
    }

    /**
     * Applies {@link #apply()}, loads the PyTorch engine if needed and turns NNPACK off
     * ({@code at::globalContext().setUserEnabledNNPACK(false)}, what {@code torch.backends.nnpack.enabled
     * = False} does): libtorch tries NNPACK for every CPU convolution, and where it cannot initialise
     * each convolution logs {@code Could not initialize NNPACK! Reason: Unsupported hardware.};
     * convolutions then run on oneDNN or the native kernels, as they already did on those machines.
     * Failures are logged and ignored (a missing symbol costs only the console noise). Once per process.
     */
    public static void prepare() {
        if (prepared) {
            return;
        }
        synchronized (NativeEnvironment.class) {
            if (prepared) {
                return;
            }
            prepared = true;
            apply(); // before the engine's first tensor
            Engine.getEngine("PyTorch"); // loads libtorch
            try {
                Optional<Path> torchCpu = loadedLibrary("libtorch_cpu.so");
                if (torchCpu.isEmpty()) {
                    LOG.debug("libtorch_cpu.so is not mapped into this process; NNPACK left as it is");
                    return;
                }
                NativeLibrary lib = NativeLibrary.getInstance(torchCpu.get().toString());
                Pointer context = lib.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
                Function setNnpack = lib.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb");
                setNnpack.invokeVoid(new Object[] {context, Boolean.FALSE});
                boolean enabled = lib.getFunction("_ZNK2at7Context17userEnabledNNPACKEv")
                        .invokeInt(new Object[] {context}) != 0;
                LOG.debug("libtorch NNPACK enabled: {}", enabled);
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                LOG.debug("could not configure libtorch ({}); NNPACK left as it is", e.toString());
            }
        }
    }

    /** Whether libtorch will try NNPACK for CPU convolutions (false after {@link #prepare()}). */
    public static boolean nnpackEnabled() {
        Optional<Path> torchCpu = loadedLibrary("libtorch_cpu.so");
        if (torchCpu.isEmpty()) {
            throw new IllegalStateException("libtorch is not loaded");
        }
        NativeLibrary lib = NativeLibrary.getInstance(torchCpu.get().toString());
        Pointer context = lib.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        return lib.getFunction("_ZNK2at7Context17userEnabledNNPACKEv").invokeInt(new Object[] {context}) != 0;
    }

    /** The file of a shared library this process has mapped, from /proc/self/maps (Linux). */
    static Optional<Path> loadedLibrary(String fileName) {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.endsWith("/" + fileName))
                    .findFirst()
                    .map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
