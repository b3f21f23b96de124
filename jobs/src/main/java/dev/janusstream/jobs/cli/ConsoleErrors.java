package dev.janusstream.jobs.cli;

import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * How the command line reports failures: one line naming the command and the reason on stderr
 * and a non-zero exit code (2 for a bad parameter, 1 for a failure while running), with the
 * stack trace only under {@code --verbose}. Installs an inherited {@code --verbose} option, so
 * every subcommand accepts it.
 */
public final class ConsoleErrors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    public static final String VERBOSE = "--verbose";

    private ConsoleErrors() {}

    /**
     * Adds {@code --verbose} and both handlers to {@code root}; call before its subcommands are
     * added (they inherit the option then).
     */
    public static CommandLine install(CommandLine root) {
        root.getCommandSpec().addOption(OptionSpec.builder(VERBOSE).scopeType(ScopeType.INHERIT).arity("0")
                .type(boolean.class).description("print stack traces of errors").build());
        ConsoleErrors h = new ConsoleErrors();
        return root.setExecutionExceptionHandler(h).setParameterExceptionHandler(h);
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandName() + ": " + reason(e));
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String help = cmd.getCommandSpec().qualifiedName() + " --help";
        err.println(cmd.getCommandName() + ": " + oneLine(e.getMessage()) + " (see '" + help + "')");
        if (Arrays.asList(args).contains(VERBOSE)) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** One line: the exception's message, with its root cause when that says more. */
    static String reason(Throwable e) {
        String top = describe(e);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            String r = describe(root);
            if (!top.contains(r)) {
                top = top + ": " + r;
            }
        }
        return oneLine(top);
    }

    private static String describe(Throwable t) {
        if (t instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (t instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        // Our own errors speak for themselves; others keep their type ("NumberFormatException: ...").
        return t instanceof IllegalArgumentException || t instanceof IllegalStateException
                || t.getClass().getName().startsWith("dev.janusstream.") ? m : t.getClass().getSimpleName() + ": " + m;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return false;
    }
}
