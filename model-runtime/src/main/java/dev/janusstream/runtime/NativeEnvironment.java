package dev.janusstream.runtime;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where this process's native libraries (libtorch through DJL) are configured
 * beyond what DJL exposes. Call {@link #prepare()} before the first model operation; it is
 * idempotent and cheap after the first call.
 *
 * <p>What it does:
 * <ul>
 *   <li><b>NNPACK off</b> ({@code at::globalContext().setUserEnabledNNPACK(false)}, what
 *       {@code torch.backends.nnpack.enabled = False} does). libtorch tries NNPACK for every CPU
 *       convolution; where NNPACK cannot initialise (CPUs it does not support, some containers)
 *       each convolution logs {@code NNPACK.cpp:57 Could not initialize NNPACK! Reason:
 *       Unsupported hardware.} — 40+ lines per generated image. Convolutions then run on oneDNN
 *       or the native kernels, as they already did on those machines. libtorch's log level is
 *       left alone, so its real warnings still show. (libtorch reads {@code TORCH_CPP_LOG_LEVEL}
 *       only when Python's torch module initialises logging, so that variable has no effect
 *       here.)</li>
 * </ul>
 * Failures are logged and ignored: a missing symbol (another libtorch build) costs only the
 * console noise.
 */
public final class NativeEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(NativeEnvironment.class);
    private static volatile boolean prepared;

    private NativeEnvironment() {}

    /** Loads the PyTorch engine if needed and applies the settings above, once per process. */
    public static void prepare() {
        if (prepared) {
            return;
        }
        synchronized (NativeEnvironment.class) {
            if (prepared) {
                return;
            }
            prepared = true;
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
