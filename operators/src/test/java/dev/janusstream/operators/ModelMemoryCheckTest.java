package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Device;
import dev.janusstream.runtime.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelMemoryCheckTest {
    @TempDir Path dir;

    @Test
    void weightsOnCpuAreEveryParameterInFloat32AndNoneOnAGpu() {
        Path model = dir.resolve("tiny");
        ModelPreset.TINY.writeCheckpoint(model, 1);
        long bytes = ModelMemoryCheck.hostBytes(model, Device.cpu());
        long params;
        try (var c = dev.janusstream.runtime.weights.Checkpoint.open(model)) {
            params = c.names().stream().mapToLong(n -> c.info(n).elementCount()).sum();
        }
        assertTrue(params > 1000, "params " + params);
        assertEquals(4 * params, bytes);
        assertEquals(0, ModelMemoryCheck.hostBytes(model, Device.gpu(0)));
    }

    @Test
    void aModelLargerThanTheTaskOffHeapBudgetIsNamedWithTheSettingToRaise() {
        long janusPro1bFp32 = 2_090_000_000L * 4; // ≈ 8.4 GB
        assertNull(ModelMemoryCheck.problem(janusPro1bFp32, MemorySize.parse("9g"), Device.cpu()));
        String p = ModelMemoryCheck.problem(janusPro1bFp32, MemorySize.parse("512m"), Device.cpu());
        assertEquals("the model's weights take 7973m of native memory on cpu() but taskmanager.memory.task.off-heap.size is 512m:"
                + " raise it to at least 7973m per model and device (and taskmanager.memory.process.size by as much),"
                + " or the TaskManager may be killed for exceeding its memory", p);
    }

    @Test
    void readsTheConfigurationATaskManagerWasStartedWithAndNothingElsewhere() throws Exception {
        Files.writeString(dir.resolve("config.yaml"), "taskmanager.memory.process.size: 1600m\n"
                + "taskmanager.memory.task.off-heap.size: 256m\njanus.model.memory-check: FAIL\n");
        String[] tmArgs = {"-Xmx300m", "-classpath", "lib/*", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            "--configDir", dir.toString(), "-D", "taskmanager.memory.task.off-heap.size=300m"};
        Configuration c = ModelMemoryCheck.taskManagerConfiguration(tmArgs).orElseThrow();
        assertEquals(ModelMemoryCheck.Mode.FAIL, c.get(ModelMemoryCheck.MODE));
        assertEquals(MemorySize.parse("300m"), TaskExecutorProcessUtils.processSpecFromConfig(c).getTaskOffHeapSize(),
                "dynamic properties override the file, as on the TaskManager");
        assertTrue(ModelMemoryCheck.taskManagerConfiguration(new String[] {"-cp", "x", "org.example.Main", "--configDir", "x"}).isEmpty());
        assertTrue(ModelMemoryCheck.taskManagerConfiguration(new String[0]).isEmpty());
        ModelMemoryCheck.beforeLoad(ModelSpec.of(dir.toString()), 0); // this JVM is not a TaskManager: no check, no failure
    }
}
