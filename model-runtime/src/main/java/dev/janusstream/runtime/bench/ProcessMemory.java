package dev.janusstream.runtime.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size and CPU time of this process. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Current RSS in bytes, or -1 where /proc is unavailable. */
    public static long rss() {
        return field("VmRSS:");
    }

    /** Peak RSS (high-water mark) in bytes, or -1. */
    public static long peakRss() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * CPU time of this process so far (user + sys, every thread, page faults included) in ns, or -1.
     * At one compute thread this is the time the work takes on one core, whatever else the
     * machine runs.
     */
    public static long cpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean b ? b.getProcessCpuTime() : -1;
    }

    public static String gib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
}
