package dev.janusstream.cluster;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.janusstream.jobs.JobOptions;
import dev.janusstream.jobs.Main;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/janus-job.yaml is a FlinkDeployment the operator accepts (parsed into the
 * operator's own API classes, every field known), in application mode with the job jar, lib/ and
 * configuration of README's cluster layout (the one ProcessClusterIT runs), the model on a volume
 * mounted where {@code --model} points, one GPU per TaskManager and a task off-heap budget that
 * fits the model.
 */
class KubernetesManifestTest {
    static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));

    @Test
    void theManifestIsAValidFlinkDeploymentOfTheClusterLayout() throws Exception {
        String yaml = Files.readString(ROOT.resolve("deploy/kubernetes/janus-job.yaml"));
        JsonNode raw = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        FlinkDeployment d = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // API 1.10 predates Flink 2 (FlinkVersion v2_x); that one field is checked below against the build
                .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL)
                .readValue(yaml, FlinkDeployment.class);
        assertEquals("flink.apache.org/v1beta1", d.getApiVersion());
        assertEquals("FlinkDeployment", d.getKind());
        // every field is one the operator's API knows: the spec classes ignore unknown fields and fabric8's models keep
        // them aside, so a field read by neither is missing from the object written back
        JsonNode written = new ObjectMapper().valueToTree(d);
        List<String> unknown = unknownFields(d);
        missingKeys(raw, written, "", unknown);
        unknown.remove(".spec.flinkVersion");
        assertEquals(List.of(), unknown, "fields the operator's API does not know");
        FlinkDeploymentSpec spec = d.getSpec();
        String flinkVersion = pomProperty("flink.version");
        assertEquals("v" + flinkVersion.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2"), raw.path("spec").path("flinkVersion").asText());

        // application mode: the job jar in the image, the command line a valid janus-job invocation
        assertEquals("local:///opt/flink/usrlib/janus-stream-job.jar", spec.getJob().getJarURI());
        assertEquals(Main.class.getName(), spec.getJob().getEntryClass());
        assertEquals(UpgradeMode.SAVEPOINT, spec.getJob().getUpgradeMode());
        assertEquals(JobState.RUNNING, spec.getJob().getState());
        List<String> args = List.of(spec.getJob().getArgs());
        assertEquals("janus-job", args.get(0));
        JobOptions o = JobOptions.parse(args.subList(1, args.size()).toArray(String[]::new));
        assertEquals(spec.getJob().getParallelism(), o.parallelism);
        assertEquals("gpu", o.device);

        // the image is Flink's own with the cluster layout: flink-lib/ in lib/, the job jar in usrlib/
        String dockerfile = Files.readString(ROOT.resolve("deploy/kubernetes/Dockerfile"));
        assertTrue(dockerfile.contains("FROM flink:" + flinkVersion + "-java17"), dockerfile);
        assertTrue(dockerfile.contains("COPY cluster/target/flink-lib/ /opt/flink/lib/janus/"), dockerfile);
        assertTrue(dockerfile.contains("COPY cluster/target/janus-stream-job.jar /opt/flink/usrlib/janus-stream-job.jar"), dockerfile);
        assertTrue(spec.getImage().startsWith("janus-stream-flink:"));

        // the configuration keys of the cluster layout, as ProcessClusterIT runs them
        Map<String, String> conf = spec.getFlinkConfiguration();
        Map<String, Object> itConf = new org.yaml.snakeyaml.Yaml().load(ProcessClusterIT.flinkConfig(6123, 8081, Path.of("/c")));
        for (String key : List.of("classloader.parent-first-patterns.additional", "taskmanager.numberOfTaskSlots",
                "taskmanager.memory.managed.size", "janus.model.memory-check", "restart-strategy.type")) {
            assertEquals(String.valueOf(itConf.get(key)), conf.get(key), key);
        }
        assertNull(conf.get("env.java.opts.all"), "no JVM flags needed: the operators make DJL offline");

        // the model on a read-only volume, mounted on the JobManager (main validates --model) and TaskManagers
        PodTemplateSpec pod = spec.getPodTemplate();
        Container main = container(pod);
        Volume models = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("models")).findFirst().orElseThrow();
        assertNotNull(models.getPersistentVolumeClaim());
        assertTrue(models.getPersistentVolumeClaim().getReadOnly());
        String mount = main.getVolumeMounts().stream().filter(m -> m.getName().equals("models")).findFirst().orElseThrow().getMountPath();
        assertTrue(o.model.startsWith(mount), o.model + " under " + mount);
        String checkpoints = main.getVolumeMounts().stream().filter(m -> m.getName().equals("checkpoints")).findFirst().orElseThrow()
                .getMountPath();
        assertEquals("file://" + checkpoints, conf.get("execution.checkpointing.dir"));

        // one GPU per TaskManager (one slot), with the task off-heap budget the model needs on a GPU
        Container tm = container(spec.getTaskManager().getPodTemplate());
        assertEquals(new Quantity("1"), tm.getResources().getLimits().get("nvidia.com/gpu"));
        assertEquals("1", conf.get("taskmanager.numberOfTaskSlots"));
        MemorySize offHeap = MemorySize.parse(conf.get("taskmanager.memory.task.off-heap.size"));
        MemorySize process = MemorySize.parse(spec.getTaskManager().getResource().getMemory());
        assertTrue(offHeap.compareTo(MemorySize.parse("4g")) >= 0, "GPU: CUDA context and staging, README's table");
        assertTrue(process.getBytes() >= offHeap.getBytes() + MemorySize.parse("3g").getBytes(), "room for heap, metaspace, overhead");
    }

    private static Container container(PodTemplateSpec pod) {
        return pod.getSpec().getContainers().stream().filter(c -> c.getName().equals("flink-main-container")).findFirst().orElseThrow();
    }

    /** Object keys of {@code raw} that {@code written} lacks, as paths. */
    private static void missingKeys(JsonNode raw, JsonNode written, String path, List<String> missing) {
        if (raw.isObject()) {
            raw.fieldNames().forEachRemaining(k -> {
                if (written == null || !written.has(k)) {
                    missing.add(path + "." + k);
                } else {
                    missingKeys(raw.get(k), written.get(k), path + "." + k, missing);
                }
            });
        } else if (raw.isArray()) {
            for (int i = 0; i < raw.size(); i++) {
                missingKeys(raw.get(i), written == null ? null : written.get(i), path + "[" + i + "]", missing);
            }
        }
    }

    /** Fields the API classes did not know: fabric8's models keep them in additionalProperties instead of failing. */
    static List<String> unknownFields(Object root) throws Exception {
        List<String> unknown = new ArrayList<>();
        walk(root, "", unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        return unknown;
    }

    private static void walk(Object o, String path, List<String> unknown, Set<Object> seen) throws Exception {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?> || !seen.add(o)) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                walk(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                walk(x, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (o.getClass().isArray() || !o.getClass().getName().startsWith("io.fabric8") && !o.getClass().getName().startsWith("org.apache.flink")) {
            return;
        }
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || !g.getName().startsWith("get") || g.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v = g.invoke(o);
            if (g.getName().equals("getAdditionalProperties") && v instanceof Map<?, ?> extra) {
                extra.keySet().forEach(k -> unknown.add(path + "." + k));
            } else {
                walk(v, path + "." + g.getName().substring(3), unknown, seen);
            }
        }
    }

    static String pomProperty(String name) throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<" + name.replace(".", "\\.") + ">([^<]+)</").matcher(
                Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), name);
        return m.group(1);
    }
}
