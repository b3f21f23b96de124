package dev.janusstream.cluster;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** README's "Running on a Flink cluster" gives the configuration and the lib/ contents ProcessClusterIT runs with. */
class ClusterReadmeTest {
    static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));

    static String section() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("### Running on a Flink cluster");
        assertTrue(start >= 0);
        return readme.substring(start, readme.indexOf("\n### ", start + 10));
    }

    @Test
    void theConfigurationIsTheTestsKeyForKey() throws Exception {
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(section());
        assertTrue(m.find(), "a yaml block");
        Map<String, Object> readme = new Yaml().load(m.group(1));
        Map<String, Object> test = new Yaml().load(ProcessClusterIT.flinkConfig(6123, 8081, Path.of("/c")));
        for (Map.Entry<String, Object> e : readme.entrySet()) {
            if (!e.getKey().equals("execution.checkpointing.dir")) {
                assertEquals(String.valueOf(test.get(e.getKey())), String.valueOf(e.getValue()), e.getKey());
            }
        }
        for (String k : test.keySet()) {
            assertTrue(readme.containsKey(k) || k.startsWith("jobmanager.") || k.startsWith("rest.") || k.startsWith("taskmanager.host")
                    || k.startsWith("taskmanager.bind-host") || k.equals("heartbeat.interval") || k.equals("env.java.opts.all"),
                    "README gives " + k);
        }
    }

    @Test
    void theJarNamesAndLibContentsAreTheBuilds() throws Exception {
        String s = section();
        assertTrue(s.contains("`cluster/target/janus-stream-job.jar`"));
        assertTrue(s.contains("`cluster/target/flink-lib/`"));
        String pom = Files.readString(ROOT.resolve("cluster/pom.xml"));
        Matcher groups = Pattern.compile("<includeGroupIds>([^<]+)</includeGroupIds>").matcher(pom);
        assertTrue(groups.find());
        Map<String, String> named = Map.of("ai.djl", "DJL `api`", "ai.djl.pytorch", "`pytorch-native-cpu` (libtorch)",
                "ai.djl.huggingface", "`tokenizers`", "net.java.dev.jna", "JNA", "com.google.code.gson", "Gson",
                "com.twelvemonkeys.imageio", "TwelveMonkeys", "com.twelvemonkeys.common", "TwelveMonkeys", "com.github.luben", "`zstd-jni`");
        for (String g : groups.group(1).split(",")) {
            assertTrue(named.containsKey(g), "README names what " + g + " brings");
            assertTrue(s.contains(named.get(g)), named.get(g));
        }
    }
}
