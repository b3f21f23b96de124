package dev.janusstream.jobs;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docker-compose.yml parses, and its services, ports, topics and job arguments agree with the code. */
class DockerComposeTest {
    /** Where cluster/target/flink-lib/ goes on the Flink containers (Flink puts every jar under lib/ on its classpath). */
    static final String FLINK_LIB_MOUNT = "./cluster/target/flink-lib:/opt/flink/lib/janus:ro";
    /** README's and ProcessClusterIT's classloader.parent-first-patterns.additional. */
    static final String PARENT_FIRST_PATTERNS = "ai.djl.;com.sun.jna.;com.twelvemonkeys.;com.github.luben.zstd.";
    static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."));

    @SuppressWarnings("unchecked")
    static Map<String, Object> compose() throws Exception {
        Path file = ROOT.resolve("docker-compose.yml");
        if (!Files.exists(file)) {
            file = Path.of("..", "docker-compose.yml");
        }
        return new Yaml().load(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> service(Map<String, Object> compose, String name) {
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertNotNull(services.get(name), "service " + name);
        return (Map<String, Object>) services.get(name);
    }

    @Test
    @SuppressWarnings("unchecked")
    void servicesPortsTopicsAndJobArgumentsAgreeWithTheCode() throws Exception {
        Map<String, Object> c = compose();
        Map<String, Object> services = (Map<String, Object>) c.get("services");
        assertEquals(List.of("kafka", "kafka-init", "jobmanager", "taskmanager", "submit"), List.copyOf(services.keySet()));

        // Kafka: KRaft, the host listener is the code's default bootstrap, the internal one is what the job uses
        Map<String, Object> kafkaEnv = (Map<String, Object>) service(c, "kafka").get("environment");
        assertEquals("broker,controller", kafkaEnv.get("KAFKA_PROCESS_ROLES"));
        String advertised = (String) kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS");
        assertTrue(advertised.contains("EXTERNAL://" + JobOptions.DEFAULT_BOOTSTRAP), advertised);
        String internal = advertised.replaceAll(".*INTERNAL://([^,]+).*", "$1");
        assertEquals(List.of("9092:9092"), service(c, "kafka").get("ports"));
        assertTrue(JobOptions.DEFAULT_TRANSACTION_TIMEOUT_MS <= ((Number) kafkaEnv.get("KAFKA_TRANSACTION_MAX_TIMEOUT_MS")).longValue());
        assertEquals(1, ((Number) kafkaEnv.get("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")).intValue());

        // topics created = the code's default topics
        Map<String, Object> initEnv = (Map<String, Object>) service(c, "kafka-init").get("environment");
        assertEquals(List.of(JobOptions.IMAGE_TOPIC, JobOptions.PROMPT_TOPIC, JobOptions.ANSWER_TOPIC, JobOptions.GENERATED_TOPIC,
                JobOptions.DEAD_LETTER_TOPIC), Arrays.asList(((String) initEnv.get("TOPICS")).split("\\s+")));
        assertTrue(String.valueOf(service(c, "kafka-init").get("command")).contains(internal));

        // Flink images are the version the code is built against
        String flinkVersion = pomProperty("flink.version");
        for (String s : List.of("jobmanager", "taskmanager", "submit")) {
            assertEquals("flink:" + flinkVersion + "-java17", service(c, s).get("image"), s);
        }
        assertTrue(((List<String>) service(c, "jobmanager").get("ports")).contains("8081:8081"));
        // the cluster layout of README / ProcessClusterIT: lib/ jars on every Flink container, loaded parent-first
        for (String s : List.of("jobmanager", "taskmanager", "submit")) {
            assertTrue(((List<String>) service(c, s).get("volumes")).contains(FLINK_LIB_MOUNT), s + " mounts " + FLINK_LIB_MOUNT);
        }
        for (String s : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> props = new Yaml().load((String) ((Map<String, Object>) service(c, s).get("environment")).get("FLINK_PROPERTIES"));
            assertEquals(PARENT_FIRST_PATTERNS, props.get("classloader.parent-first-patterns.additional"), s);
            assertNull(props.get("env.java.opts.all"), s + ": no JVM flags needed (DJL offline by default), the image's own stay");
        }
        Map<String, Object> tm = new Yaml().load((String) ((Map<String, Object>) service(c, "taskmanager").get("environment")).get("FLINK_PROPERTIES"));
        assertEquals("256m", tm.get("taskmanager.memory.task.off-heap.size"), "the tiny model's native memory budget");
        assertEquals("FAIL", tm.get("janus.model.memory-check"));

        // the submitted command is a valid invocation of the shaded jar's janus-job with the code's default topics
        List<String> cmd = (List<String>) service(c, "submit").get("command");
        int jar = cmd.indexOf("/opt/janus/janus-stream-job.jar");
        assertTrue(jar > 0 && cmd.subList(0, 2).equals(List.of("flink", "run")), cmd.toString());
        assertTrue(cmd.contains("jobmanager:8081"));
        assertEquals("janus-job", cmd.get(jar + 1));
        assertTrue(Main.commandLine().getSubcommands().containsKey(cmd.get(jar + 1)));
        List<String> jobArgs = cmd.subList(jar + 2, cmd.size());
        JobOptions o = JobOptions.parse(jobArgs.toArray(String[]::new));
        assertEquals(internal, o.bootstrapServers);
        assertEquals(JobOptions.IMAGE_TOPIC, o.imageTopic);
        assertEquals(JobOptions.PROMPT_TOPIC, o.promptTopic);
        assertEquals(JobOptions.ANSWER_TOPIC, o.answerTopic);
        assertEquals(JobOptions.GENERATED_TOPIC, o.generatedTopic);
        assertEquals(JobOptions.DEAD_LETTER_TOPIC, o.deadLetterTopic);

        // the mounted paths are the ones the arguments name
        List<String> submitVolumes = (List<String>) service(c, "submit").get("volumes");
        List<String> tmVolumes = (List<String>) service(c, "taskmanager").get("volumes");
        assertTrue(submitVolumes.contains("./cluster/target/janus-stream-job.jar:/opt/janus/janus-stream-job.jar:ro"));
        assertTrue(o.model.startsWith("/models"), "model under the mounted /models");
        assertTrue(tmVolumes.contains("./models:/models:ro") && submitVolumes.contains("./models:/models:ro"));
        assertTrue(tmVolumes.contains("./images:/data/images:ro"));
        assertEquals(List.of("file:///data/images/"), o.allowedImageRoots);
    }

    @Test
    void theJarNamesMatchTheBuild() throws Exception {
        assertTrue(Files.readString(ROOT.resolve("jobs/pom.xml")).contains("<outputFile>${project.build.directory}/janus-stream.jar</outputFile>"));
        String cluster = Files.readString(ROOT.resolve("cluster/pom.xml"));
        assertTrue(cluster.contains("<outputFile>${project.build.directory}/janus-stream-job.jar</outputFile>"));
        assertTrue(cluster.contains("<outputDirectory>${project.build.directory}/flink-lib</outputDirectory>"));
    }

    static String pomProperty(String name) throws Exception {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), name);
        return m.group(1);
    }

    /** Both Flink processes export metrics through the Prometheus reporter that JobMetricsTest scrapes. */
    @Test
    @SuppressWarnings("unchecked")
    void flinkExportsMetricsForPrometheus() throws Exception {
        Map<String, Object> c = compose();
        for (String s : List.of("jobmanager", "taskmanager")) {
            Map<String, Object> conf = new Yaml().load((String) ((Map<String, Object>) service(c, s).get("environment")).get("FLINK_PROPERTIES"));
            String factory = (String) conf.get("metrics.reporter.prom.factory.class");
            assertEquals("org.apache.flink.metrics.prometheus.PrometheusReporterFactory", factory, s);
            assertTrue(org.apache.flink.metrics.reporter.MetricReporterFactory.class.isAssignableFrom(Class.forName(factory)), factory);
            int port = ((Number) conf.get("metrics.reporter.prom.port")).intValue();
            List<String> ports = (List<String>) service(c, s).get("ports");
            assertTrue(ports.stream().anyMatch(p -> p.endsWith(":" + port)), s + " publishes the reporter's port " + port + ": " + ports);
        }
    }
}
