package dev.janusstream.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * A Kafka broker, a Flink JobManager, TaskManagers and Flink's command-line client as processes of
 * their own on this machine, started the way Kafka's and Flink's scripts start them (no Docker, no
 * flink-dist): classpaths from Maven artifacts ({@code test-processes/}), a Flink home whose
 * {@code lib/} holds Flink's jars plus {@code cluster/target/flink-lib/}, {@code conf/config.yaml},
 * TaskManager JVM memory flags from {@code BashJavaUtils}. Every process it starts is stopped by
 * {@link #close()} (and by a shutdown hook should the test JVM end first).
 */
final class LocalProcesses implements AutoCloseable {
    /** The {@code env.java.opts.all} of Flink 2's default configuration (Java 17 module access). */
    static final String FLINK_JAVA_OPTS = "--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED"
            + " --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
            + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED"
            + " --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED";
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    final Path base;
    final Path flinkHome;
    final Path log;
    final int kafkaPort = freePort();
    final int controllerPort = freePort();
    final int rpcPort = freePort();
    final int restPort = freePort();
    private final List<Process> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private List<String> tmJvmParams;
    private List<String> tmDynamicConfig;
    private int taskManagers;

    LocalProcesses(Path base) throws IOException {
        this.base = base;
        this.flinkHome = base.resolve("flink");
        this.log = flinkHome.resolve("log");
        Runtime.getRuntime().addShutdownHook(new Thread(this::close));
    }

    String bootstrapServers() {
        return "localhost:" + kafkaPort;
    }

    // ---- Kafka ------------------------------------------------------------------------------

    /** A KRaft broker + controller, formatted and started like kafka-storage.sh / kafka-server-start.sh. */
    Process startKafka(Path libs) throws Exception {
        Path dir = Files.createDirectories(base.resolve("kafka"));
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@localhost:" + controllerPort,
                "listeners=PLAINTEXT://localhost:" + kafkaPort + ",CONTROLLER://localhost:" + controllerPort,
                "advertised.listeners=PLAINTEXT://localhost:" + kafkaPort,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=2",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=2",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "message.max.bytes=" + 32 * 1024 * 1024) + "\n");
        String cp = libs + "/*";
        run(List.of(JAVA, "-Xmx256m", "-cp", cp, "kafka.tools.StorageTool", "format", "-t",
                org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", props.toString()), dir.resolve("format.log"), Map.of(), 120);
        Process p = start("kafka", List.of(JAVA, "-Xmx512m", "-Xms512m", "-cp", cp, "kafka.Kafka", props.toString()), Map.of());
        await("the Kafka broker", Duration.ofSeconds(120), () -> {
            check(p, "kafka");
            try (Admin a = Admin.create(Map.of("bootstrap.servers", bootstrapServers(), "request.timeout.ms", 3000,
                    "default.api.timeout.ms", 5000))) {
                return a.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        return p;
    }

    // ---- Flink ------------------------------------------------------------------------------

    /**
     * A Flink home as a user sets it up: Flink's lib/, the jars of {@code extraLib} in {@code lib/janus/}
     * (Flink's scripts put every jar under lib/, subdirectories included, on the classpath),
     * conf/config.yaml, log/, plugins/.
     */
    void installFlink(Path flinkLib, Path extraLib, String configYaml) throws IOException {
        Path lib = Files.createDirectories(flinkHome.resolve("lib"));
        link(flinkLib, lib);
        link(extraLib, Files.createDirectories(lib.resolve("janus")));
        Files.createDirectories(flinkHome.resolve("plugins"));
        Files.createDirectories(log);
        Path conf = Files.createDirectories(flinkHome.resolve("conf"));
        Files.writeString(conf.resolve("config.yaml"), configYaml);
        Files.writeString(conf.resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1} - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN") + "\n");
    }

    private static void link(Path from, Path to) throws IOException {
        try (Stream<Path> jars = Files.list(from)) {
            for (Path j : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(to.resolve(j.getFileName()), j.toAbsolutePath());
            }
        }
    }

    /** Every jar under lib/, sorted, as {@code bin/config.sh} builds Flink's classpath. */
    private String flinkClassPath() {
        try (Stream<Path> all = Files.walk(flinkHome.resolve("lib"))) {
            return all.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted()
                    .collect(java.util.stream.Collectors.joining(":"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> flinkEnv() {
        return Map.of("FLINK_CONF_DIR", flinkHome.resolve("conf").toString(), "FLINK_LIB_DIR", flinkHome.resolve("lib").toString(),
                "FLINK_PLUGINS_DIR", flinkHome.resolve("plugins").toString(), "FLINK_HOME", flinkHome.toString());
    }

    private List<String> flinkJava(String logName, List<String> jvmParams, String mainClass) {
        List<String> cmd = new ArrayList<>(List.of(JAVA));
        cmd.addAll(jvmParams);
        cmd.addAll(Arrays.asList(FLINK_JAVA_OPTS.split(" ")));
        cmd.addAll(List.of("-Dlog.file=" + log.resolve(logName + ".log"),
                "-Dlog4j.configurationFile=file:" + flinkHome.resolve("conf/log4j.properties"),
                "-classpath", flinkClassPath(), mainClass));
        return cmd;
    }

    /** JVM flags and dynamic properties, as {@code bin/jobmanager.sh} / {@code bin/taskmanager.sh} get them. */
    private List<List<String>> resourceParams(String command) throws Exception {
        Path out = log.resolve(command + ".out");
        List<String> cmd = flinkJava("bash-java-utils", List.of("-Xmx128m"), "org.apache.flink.runtime.util.bash.BashJavaUtils");
        cmd.addAll(List.of(command, "--configDir", flinkHome.resolve("conf").toString()));
        run(cmd, out, flinkEnv(), 120);
        List<List<String>> result = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                String v = line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim();
                result.add(v.isEmpty() ? List.of() : Arrays.asList(v.split(" ")));
            }
        }
        if (result.size() < 2) {
            throw new IllegalStateException(command + " gave no JVM parameters: " + Files.readString(out));
        }
        return result;
    }

    /** The JobManager (a standalone session cluster); see {@link #awaitJobManager}. */
    Process startJobManager() throws Exception {
        List<List<String>> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        List<String> cmd = flinkJava("jobmanager", params.get(0), "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        cmd.addAll(List.of("--configDir", flinkHome.resolve("conf").toString()));
        cmd.addAll(params.get(1));
        return start("jobmanager", cmd, flinkEnv());
    }

    void awaitJobManager(Process jm) throws InterruptedException {
        await("the JobManager's REST API", Duration.ofSeconds(180), () -> {
            check(jm, "jobmanager");
            return restOk("/overview");
        });
    }

    /** One TaskManager (it registers at the JobManager on its own: see {@link #awaitTaskManagers}). */
    Process startTaskManager() throws Exception {
        synchronized (this) {
            if (tmJvmParams == null) {
                List<List<String>> params = resourceParams("GET_TM_RESOURCE_PARAMS");
                tmJvmParams = params.get(0);
                tmDynamicConfig = params.get(1);
            }
        }
        String name = "taskmanager-" + (++taskManagers);
        List<String> cmd = flinkJava(name, tmJvmParams, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        cmd.addAll(List.of("--configDir", flinkHome.resolve("conf").toString()));
        cmd.addAll(tmDynamicConfig);
        return start(name, cmd, flinkEnv());
    }

    /** Waits until the JobManager counts {@code n} TaskManagers. */
    void awaitTaskManagers(int n, Process... taskManagers) throws InterruptedException {
        await(n + " TaskManagers registered", Duration.ofSeconds(180), () -> {
            for (Process p : taskManagers) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a TaskManager exited with " + p.exitValue() + "; see " + log);
                }
            }
            return registeredTaskManagers() == n;
        });
    }

    List<String> taskManagerJvmParams() {
        return tmJvmParams;
    }

    /** {@code bin/flink ARGS}: Flink's client in its own JVM; returns its output, fails on a non-zero exit. */
    String flink(String... args) throws Exception {
        Path out = log.resolve("client-" + System.nanoTime() + ".out");
        List<String> cmd = flinkJava("client", List.of("-Xmx256m"), "org.apache.flink.client.cli.CliFrontend");
        cmd.addAll(Arrays.asList(args));
        int rc = run(cmd, out, flinkEnv(), 300);
        String output = Files.readString(out);
        if (rc != 0) {
            throw new IllegalStateException("flink " + String.join(" ", args) + " exited " + rc + ":\n" + output);
        }
        return output;
    }

    /** {@code flink run -d ...}: the id of the submitted job. */
    String flinkRunDetached(Path jar, List<String> programArgs) throws Exception {
        return flinkRunDetached(List.of(), jar, programArgs);
    }

    /** {@code flink run -d OPTIONS JAR ARGS} (e.g. {@code -s <savepoint>}): the id of the submitted job. */
    String flinkRunDetached(List<String> options, Path jar, List<String> programArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d"));
        args.addAll(options);
        args.add(jar.toString());
        args.addAll(programArgs);
        String out = flink(args.toArray(String[]::new));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no job id in:\n" + out);
        }
        return m.group(1);
    }

    // ---- REST -------------------------------------------------------------------------------

    HttpResponse<String> rest(String method, String path, HttpRequest.BodyPublisher body, String contentType) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path)).timeout(Duration.ofSeconds(60))
                .method(method, body);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    JsonNode get(String path) throws IOException {
        HttpResponse<String> r = rest("GET", path, HttpRequest.BodyPublishers.noBody(), null);
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return json.readTree(r.body());
    }

    boolean restOk(String path) {
        try {
            return rest("GET", path, HttpRequest.BodyPublishers.noBody(), null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    int registeredTaskManagers() {
        try {
            return get("/overview").path("taskmanagers").asInt();
        } catch (IOException e) {
            return 0;
        }
    }

    /** POST /jars/upload (multipart, field jarfile), as the web UI does: the uploaded jar's id. */
    String uploadJar(Path jar) throws IOException {
        String boundary = "----janus" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName()
                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = rest("POST", "/jars/upload", HttpRequest.BodyPublishers.ofByteArrays(
                List.of(head, Files.readAllBytes(jar), tail)), "multipart/form-data; boundary=" + boundary);
        if (r.statusCode() != 200) {
            throw new IOException("upload: " + r.statusCode() + " " + r.body());
        }
        String file = json.readTree(r.body()).path("filename").asText();
        return Path.of(file).getFileName().toString();
    }

    /** POST /jars/{id}/run: the response (a job id, or errors). */
    HttpResponse<String> runJar(String jarId, List<String> programArgs) throws IOException {
        String body = json.writeValueAsString(Map.of("programArgsList", programArgs));
        return rest("POST", "/jars/" + jarId + "/run", HttpRequest.BodyPublishers.ofString(body), "application/json");
    }

    String jobState(String jobId) {
        try {
            return get("/jobs/" + jobId).path("state").asText();
        } catch (IOException e) {
            return "UNKNOWN";
        }
    }

    /** When the job last entered a state (epoch ms; 0 if never). */
    long lastEntered(String jobId, String state) {
        try {
            return get("/jobs/" + jobId).path("timestamps").path(state).asLong();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The job is RUNNING and so is every task of it. */
    boolean allTasksRunning(String jobId) {
        try {
            JsonNode j = get("/jobs/" + jobId);
            if (!j.path("state").asText().equals("RUNNING")) {
                return false;
            }
            for (JsonNode v : j.path("vertices")) {
                if (v.path("tasks").path("RUNNING").asInt() != v.path("parallelism").asInt()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- processes --------------------------------------------------------------------------

    private Process start(String name, List<String> cmd, Map<String, String> env) throws IOException {
        Files.createDirectories(log);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolve(name + ".out").toFile()));
        pb.environment().putAll(env);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        synchronized (started) {
            started.add(p);
        }
        return p;
    }

    private int run(List<String> cmd, Path out, Map<String, String> env, int timeoutSeconds) throws Exception {
        Files.createDirectories(out.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        synchronized (started) {
            started.add(p);
        }
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd.get(cmd.size() - 1) + " did not finish within " + timeoutSeconds + " s: " + Files.readString(out));
        }
        return p.exitValue();
    }

    private void check(Process p, String name) {
        if (!p.isAlive()) {
            String out;
            try {
                out = Files.readString(log.resolve(name + ".out"));
            } catch (IOException e) {
                out = e.toString();
            }
            throw new IllegalStateException(name + " exited with " + p.exitValue() + ":\n" + tail(out, 4000));
        }
    }

    static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    /** Resident set size of a process (VmRSS), bytes. */
    static long rss(Process p) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + p.pid());
    }

    /** Live instances of a class in a JVM, after the full GC that {@code jcmd GC.class_histogram} runs. */
    static long liveInstances(Process p, String className) throws Exception {
        Path jcmd = Path.of(JAVA).resolveSibling("jcmd");
        Process h = new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!h.waitFor(120, TimeUnit.SECONDS) || h.exitValue() != 0) {
            throw new IllegalStateException("jcmd failed: " + tail(out, 2000));
        }
        long n = 0;
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[3].equals(className)) {
                n += Long.parseLong(f[1]);
            }
        }
        return n;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(500);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops every process started here: SIGTERM, then SIGKILL after 15 s. */
    @Override
    public void close() {
        List<Process> all;
        synchronized (started) {
            all = new ArrayList<>(started);
            started.clear();
        }
        for (Process p : all) {
            p.destroy();
        }
        for (Process p : all) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
