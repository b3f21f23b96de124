package dev.janusstream.jobs;

/**
 * {@code java -jar janus-stream.jar <command>}: the one entry point that owns its JVM, so the only
 * one that exits with the command's status (non-zero on bad arguments or failure). Inside Flink
 * the jars' {@code program-class}, {@link Main}, runs instead and never exits.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) {
        int rc = Main.run(args);
        if (rc != 0) { // on success the JVM ends with its last non-daemon thread, as for any program
            System.exit(rc);
        }
    }
}
