package dev.janusstream.jobs;

import picocli.CommandLine.Command;

/** {@code bench <what>}: benchmarks that are commands, not tests. Add more subcommands here. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchPipeline.class, BenchSql.class, dev.janusstream.jobs.cli.BenchUnderstandCommand.class,
                dev.janusstream.jobs.cli.BenchGenerateCommand.class, dev.janusstream.jobs.cli.BenchCaptionCommand.class})
public class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
