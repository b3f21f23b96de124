package dev.janusstream.operators;

/**
 * DJL runs offline in every JVM the operators run in, without a JVM flag: no network calls, no
 * downloads (libtorch comes from the {@code pytorch-native-cpu} jar, or {@code PYTORCH_LIBRARY_PATH}).
 * An explicit {@code -Dai.djl.offline=...} or {@code DJL_OFFLINE} is left as the user set it.
 */
public final class DjlOffline {
    public static final String PROPERTY = "ai.djl.offline";

    private DjlOffline() {}

    /** Sets {@code ai.djl.offline=true} unless already configured; call before DJL's engine is first used. */
    public static void byDefault() {
        if (System.getProperty(PROPERTY) == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty(PROPERTY, "true");
        }
    }
}
