package dev.janusstream.jobs;

import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The program: {@code flink run janus-stream-job.jar <command>} and REST / web-UI submissions call
 * {@link #main} inside Flink's client or the JobManager, so it never exits the JVM — bad arguments
 * and failures are thrown, and Flink fails that submission with the reason. {@code java -jar}
 * starts {@link Launcher} instead (the jars' {@code Main-Class}; Flink reads {@code program-class}
 * = this class), which owns the JVM and exits with the command's status. To add a command, write
 * a picocli {@code @Command} class and list it in {@link #COMMANDS}.
 */
@Command(name = "janus-stream", mixinStandardHelpOptions = true, version = "janus-stream 0.1.0",
        description = "Janus-Pro image understanding and text-to-image generation on Flink + Kafka.")
public class Main implements Runnable {

    /** Every subcommand, in help order. */
    static final Class<?>[] COMMANDS = {
        Demo.class,
        JanusJobCommand.class,
        CaptionJobCommand.class,
        GenerateJobCommand.class,
        dev.janusstream.jobs.cli.CaptionCommand.class,
        dev.janusstream.jobs.cli.GenerateCommand.class,
        dev.janusstream.jobs.cli.InitModelCommand.class,
        dev.janusstream.jobs.cli.VerifyGoldenCommand.class,
        BenchCommand.class,
    };

    @Spec CommandSpec spec;

    /**
     * Runs one command in a JVM this program does not own (Flink's client, the JobManager).
     *
     * @throws IllegalArgumentException bad arguments, with the one-line reason
     * @throws Exception what the command threw (e.g. the job failed to start)
     */
    public static void main(String[] args) throws Exception {
        Exception[] failure = {null};
        CommandLine cl = commandLine();
        cl.setParameterExceptionHandler((e, a) -> {
            failure[0] = new IllegalArgumentException(oneLine(e.getMessage()), e);
            return cl.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            failure[0] = e;
            return c.getCommandSpec().exitCodeOnExecutionException();
        });
        int rc = run(cl, args);
        if (failure[0] != null) {
            throw failure[0];
        }
        if (rc != 0) {
            throw new IllegalStateException("janus-stream " + String.join(" ", args) + " ended with status " + rc);
        }
    }

    /** Runs one command; its exit status (0 ok, 2 bad arguments, 1 failure; errors printed to stderr). */
    public static int run(String... args) {
        return run(commandLine(), args);
    }

    private static int run(CommandLine cl, String... args) {
        // DJL must never download: libtorch comes from the bundled native jar (or PYTORCH_LIBRARY_PATH).
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return cl.execute(args);
    }

    /** "invalid options:\n  a\n  b" -> "invalid options: a; b" */
    static String oneLine(String message) {
        return message.strip().replaceFirst(":\\s*\\n\\s*", ": ").replaceAll("\\s*\\n\\s*", "; ");
    }

    public static CommandLine commandLine() {
        CommandLine cl = dev.janusstream.jobs.cli.ConsoleErrors.install(new CommandLine(new Main()));
        for (Class<?> c : COMMANDS) {
            cl.addSubcommand(c);
        }
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** A job subcommand: validated options, then the job's dataflow, then execution. */
    abstract static class JobCommand implements Callable<Integer> {
        @Mixin JobOptions options;
        @Spec CommandSpec spec;

        abstract String jobName();

        abstract void define(StreamExecutionEnvironment env, JobOptions o);

        @Override
        public Integer call() throws Exception {
            try {
                options.validate();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            StreamExecutionEnvironment env = Pipeline.configure(StreamExecutionEnvironment.getExecutionEnvironment(), options);
            define(env, options);
            env.execute(jobName());
            return 0;
        }
    }

    @Command(name = "janus-job", mixinStandardHelpOptions = true,
            description = "Image events -> answers and prompt events -> images, one shared model per slot.")
    static class JanusJobCommand extends JobCommand {
        String jobName() { return "janus-job"; }
        void define(StreamExecutionEnvironment env, JobOptions o) { JanusJob.define(env, o); }
    }

    @Command(name = "caption-job", mixinStandardHelpOptions = true, description = "Image events -> captions, answers or labels.")
    static class CaptionJobCommand extends JobCommand {
        String jobName() { return "caption-job"; }
        void define(StreamExecutionEnvironment env, JobOptions o) { CaptionJob.define(env, o); }
    }

    @Command(name = "generate-job", mixinStandardHelpOptions = true, description = "Prompt events -> generated images.")
    static class GenerateJobCommand extends JobCommand {
        String jobName() { return "generate-job"; }
        void define(StreamExecutionEnvironment env, JobOptions o) { GenerateJob.define(env, o); }
    }
}
