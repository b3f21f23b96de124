package dev.janusstream.jobs;

import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The shaded jar's entry point ({@code java -jar janus-stream.jar <command>} locally,
 * {@code flink run janus-stream.jar <command>} on a cluster). To add a command, write a picocli
 * {@code @Command} class and list it in {@link #COMMANDS}.
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

    public static void main(String[] args) {
        // DJL must never download: libtorch comes from the bundled native jar (or PYTORCH_LIBRARY_PATH).
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        int rc = run(args);
        if (rc != 0) { // no System.exit on success: `flink run` calls main in its own JVM
            System.exit(rc);
        }
    }

    public static int run(String... args) {
        return commandLine().execute(args);
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
