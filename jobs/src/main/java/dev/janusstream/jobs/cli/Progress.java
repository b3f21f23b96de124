package dev.janusstream.jobs.cli;

import dev.janusstream.runtime.InferenceListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of a long model call on the console, from the model's {@link InferenceListener}
 * events: decode steps done / total, tokens per second and time left, then the VQ decodes of the
 * generated images. Nothing is shown for work shorter than {@code quiet}. On an interactive
 * terminal it is one line updated in place (carriage return); otherwise (a pipe, a log file) a
 * plain line every {@code every}. Written to stderr so that stdout keeps only results.
 */
public final class Progress implements InferenceListener {
    private final String what;
    private final PrintStream out;
    private final boolean interactive;
    private final long quietNanos, everyNanos;
    private final long start = System.nanoTime();
    private long loopStart, tokens, lastShown = Long.MIN_VALUE / 2;
    private int width;
    private boolean shown;

    public Progress(String what, PrintStream out, boolean interactive, Duration quiet, Duration every) {
        this.what = what;
        this.out = out;
        this.interactive = interactive;
        this.quietNanos = quiet.toNanos();
        this.everyNanos = every.toNanos();
    }

    /** On stderr; updating in place when a console is attached, else a line every 10 s; quiet for 3 s. */
    public static Progress onConsole(String what) {
        boolean tty = System.console() != null;
        return new Progress(what, System.err, tty, Duration.ofSeconds(3), tty ? Duration.ofMillis(250) : Duration.ofSeconds(10));
    }

    @Override
    public synchronized void stepped(int textTokens, int imageTokens, int rows, int maxRows, int step, int stepsLeft, long nanos) {
        long now = System.nanoTime();
        if (step == 1) {
            loopStart = now - nanos;
            tokens = 0;
        }
        tokens += textTokens + imageTokens;
        double seconds = Math.max(1e-9, (now - loopStart) / 1e9);
        double left = stepsLeft * seconds / step;
        show(now, String.format(Locale.ROOT, "%s: step %d/%d, %.1f tokens/s, %s left", what, step, step + stepsLeft,
                tokens / seconds, time(left)), stepsLeft == 0);
    }

    @Override
    public synchronized void imageDecoded(int index, int total, long nanos) {
        long now = System.nanoTime();
        int done = index + 1;
        show(now, String.format(Locale.ROOT, "%s: image %d/%d decoded (VQ), %s left", what, done, total,
                time((total - done) * nanos / 1e9)), done == total);
    }

    private void show(long now, String line, boolean last) {
        if (now - start < quietNanos || (!last && now - lastShown < everyNanos)) {
            return;
        }
        lastShown = now;
        shown = true;
        if (interactive) {
            out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the updating line (if one was shown) so that what follows starts on its own line. */
    public synchronized void finish() {
        if (interactive && shown) {
            out.println();
            out.flush();
        }
        shown = false;
        width = 0;
    }

    static String time(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
