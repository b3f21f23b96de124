package dev.janusstream.operators;

import java.util.concurrent.Callable;

/**
 * The JVM-wide environment DJL runs in on a TaskManager, where DJL, JNA and the ImageIO plugins are
 * loaded once per JVM from Flink's {@code lib/} (README, "Running on a Flink cluster"):
 * <ul>
 *   <li>DJL runs offline without a JVM flag: no network calls, no downloads (libtorch comes from
 *       the {@code pytorch-native-cpu} jar, or {@code PYTORCH_LIBRARY_PATH}); an explicit
 *       {@code -Dai.djl.offline=...} or {@code DJL_OFFLINE} is left as the user set it;</li>
 *   <li>code that may start what those libraries start once per JVM (JNA's cleaner thread, DJL's
 *       engine, the ImageIO registry) runs with lib/'s class loader as the thread's context class
 *       loader, so no thread or cache they create holds a job's class loader after the job ends.</li>
 * </ul>
 * Locally (one class loader for everything) both are no-ops in effect.
 */
public final class DjlEnvironment {
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    private DjlEnvironment() {}

    /** Sets {@code ai.djl.offline=true} unless already configured; call before DJL's engine is first used. */
    public static void offlineByDefault() {
        if (System.getProperty(OFFLINE_PROPERTY) == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
    }

    /** The class loader DJL was loaded by: Flink's parent loader when DJL is in lib/. */
    public static ClassLoader libClassLoader() {
        return ai.djl.engine.Engine.class.getClassLoader();
    }

    /** Runs {@code action} with {@link #libClassLoader()} as this thread's context class loader. */
    public static <T> T inLibContext(Callable<T> action) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(libClassLoader());
        try {
            return action.call();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
