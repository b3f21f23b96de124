package dev.janusstream.operators;

import ai.djl.Device;
import dev.janusstream.runtime.weights.Checkpoint;
import dev.janusstream.runtime.weights.TensorInfo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a model loads on a TaskManager, compares the host memory its weights will take with what
 * the TaskManager's configuration leaves for them. libtorch allocates natively, outside Flink's
 * heap, managed and network memory; the budget Flink has for native memory of user code is
 * {@code taskmanager.memory.task.off-heap.size} (part of {@code taskmanager.memory.process.size}).
 * When the weights do not fit it logs a warning naming the setting to change, or, with
 * {@code janus.model.memory-check: FAIL} in the TaskManager's configuration, fails the operator's
 * open — before the kernel's OOM killer decides. Outside a TaskManager process (a local
 * MiniCluster) there is no budget to check.
 */
public final class ModelMemoryCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ModelMemoryCheck.class);

    public enum Mode { WARN, FAIL, OFF }

    /** {@code janus.model.memory-check}: WARN (default), FAIL or OFF, read from the TaskManager's configuration. */
    public static final ConfigOption<Mode> MODE = ConfigOptions.key("janus.model.memory-check").enumType(Mode.class)
            .defaultValue(Mode.WARN)
            .withDescription("What a model operator does at open when the model's weights exceed taskmanager.memory.task.off-heap.size");

    private ModelMemoryCheck() {}

    /**
     * Checks the model of {@code spec} on the device subtask {@code subtaskIndex} uses against this
     * TaskManager's configuration; a no-op outside a TaskManager process.
     *
     * @throws IllegalStateException when the weights do not fit and the mode is FAIL
     */
    public static void beforeLoad(ModelSpec spec, int subtaskIndex) {
        Optional<Configuration> tm = taskManagerConfiguration(commandLine());
        if (tm.isEmpty() || tm.get().get(MODE) == Mode.OFF) {
            return;
        }
        Device device = spec.resolveDevice(subtaskIndex);
        long weights = hostBytes(Path.of(spec.modelDir()), device);
        TaskExecutorProcessSpec process = TaskExecutorProcessUtils.processSpecFromConfig(tm.get());
        String problem = problem(weights, process.getTaskOffHeapSize(), device);
        if (problem == null) {
            LOG.info("model {} on {}: weights take {} of native memory, taskmanager.memory.task.off-heap.size is {}",
                    spec.modelDir(), device, mebibytes(weights), mebibytes(process.getTaskOffHeapSize().getBytes()));
        } else if (tm.get().get(MODE) == Mode.FAIL) {
            throw new IllegalStateException(problem + " (janus.model.memory-check: FAIL)");
        } else {
            LOG.warn(problem);
        }
    }

    /**
     * The problem, or null when {@code weightBytes} fit {@code taskOffHeap}.
     *
     * @param weightBytes the model's weights in host memory (bytes), see {@link #hostBytes}
     */
    static String problem(long weightBytes, MemorySize taskOffHeap, Device device) {
        if (weightBytes <= taskOffHeap.getBytes()) {
            return null;
        }
        return String.format(Locale.ROOT, "the model's weights take %s of native memory on %s but taskmanager.memory.task.off-heap.size"
                        + " is %s: raise it to at least %s per model and device (and taskmanager.memory.process.size by as much),"
                        + " or the TaskManager may be killed for exceeding its memory", mebibytes(weightBytes), device,
                mebibytes(taskOffHeap.getBytes()), mebibytes(weightBytes));
    }

    /** As a Flink memory setting, rounded up: "7973m". */
    static String mebibytes(long bytes) {
        return ((bytes + (1L << 20) - 1) >> 20) + "m";
    }

    /**
     * Bytes the weights take in this process's memory: every parameter in the dtype the model
     * computes in on that device — 4 bytes (float32) on CPU; on a GPU the weights live in device
     * memory (float16) and the host keeps none of them.
     */
    public static long hostBytes(Path modelDir, Device device) {
        if (device.isGpu()) {
            return 0;
        }
        long params = 0;
        try (Checkpoint c = Checkpoint.open(modelDir)) {
            for (String name : c.names()) {
                TensorInfo t = c.info(name);
                params += t.elementCount();
            }
        }
        return params * 4;
    }

    /**
     * This JVM's command line: /proc/self/cmdline (complete, unlike ProcessHandle's, which a long
     * classpath truncates), else the main class and its arguments from {@code sun.java.command}.
     */
    static String[] commandLine() {
        try {
            String all = new String(java.nio.file.Files.readAllBytes(Path.of("/proc/self/cmdline")), java.nio.charset.StandardCharsets.UTF_8);
            return all.split("\0");
        } catch (java.io.IOException | RuntimeException e) {
            return System.getProperty("sun.java.command", "").split("\\s+");
        }
    }

    /**
     * The configuration a TaskManager process was started with — its {@code --configDir} and
     * {@code -D key=value} arguments, as {@code taskmanager.sh} (memory sizes from BashJavaUtils) or
     * the Kubernetes operator pass them — or empty when {@code jvmArguments} are not a TaskManager's.
     */
    static Optional<Configuration> taskManagerConfiguration(String[] jvmArguments) {
        List<String> args = Arrays.asList(jvmArguments);
        int configDir = Math.max(args.indexOf("--configDir"), args.indexOf("-c"));
        if (configDir < 0 || args.stream().noneMatch(a -> a.endsWith("TaskManagerRunner") || a.endsWith("TaskExecutorRunner"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(TaskManagerRunner.loadConfiguration(args.subList(configDir, args.size()).toArray(String[]::new)));
        } catch (Exception e) {
            LOG.warn("cannot read this TaskManager's configuration; model memory not checked: {}", e.toString());
            return Optional.empty();
        }
    }
}
