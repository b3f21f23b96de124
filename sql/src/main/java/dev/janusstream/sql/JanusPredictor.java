package dev.janusstream.sql;

import dev.janusstream.operators.ErrorCode;
import dev.janusstream.operators.ImageProbe;
import dev.janusstream.operators.RejectedException;
import dev.janusstream.operators.SlotModelService;
import dev.janusstream.runtime.Answer;
import dev.janusstream.runtime.DecodingParams;
import dev.janusstream.runtime.GenerateRequest;
import dev.janusstream.runtime.GeneratedImage;
import dev.janusstream.runtime.Label;
import dev.janusstream.runtime.LabelRequest;
import dev.janusstream.runtime.UnderstandRequest;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.table.data.RowData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One input row → its output rows, through the slot's shared {@link SlotModelService} (so rows of
 * every ML_PREDICT call and DataStream operator in the slot share model calls).
 *
 * <p>Never fails on a row: a row whose image does not decode or whose parameters are invalid,
 * and a row the model fails on or that runs past {@code rowTimeout}, becomes exactly one output
 * row whose model outputs are NULL and whose {@code error_code} / {@code error_message} columns
 * (when the OUTPUT declares them) say why. A good row gives one row (understand, label) or one row
 * per image (generate), with NULL error columns.
 */
final class JanusPredictor implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(JanusPredictor.class);

    private final PredictConfig config;
    private final ModelColumns columns;
    /** Rows still unanswered after this long become TIMEOUT error rows (null: never). */
    private final Duration rowTimeout;
    private transient AtomicLong ids;
    private transient String idPrefix;

    JanusPredictor(PredictConfig config, ModelColumns columns, Duration rowTimeout) {
        this.config = config;
        this.columns = columns;
        this.rowTimeout = rowTimeout;
    }

    PredictConfig config() {
        return config;
    }

    void open(int subtask) {
        ids = new AtomicLong();
        idPrefix = "sql-" + subtask + "-";
    }

    CompletableFuture<Collection<RowData>> predict(RowData row, SlotModelService service) {
        CompletableFuture<Collection<RowData>> out;
        try {
            String id = idPrefix + ids.incrementAndGet();
            out = switch (config.task()) {
                case UNDERSTAND -> service.understand(understand(id, row)).thenApply(this::answerRow);
                case LABEL -> {
                    LabelRequest r = label(id, row);
                    yield service.label(r).thenApply(l -> labelRow(l, r.candidates()));
                }
                case GENERATE -> service.generate(generate(id, row)).thenApply(this::imageRows);
            };
        } catch (Throwable t) {
            out = CompletableFuture.failedFuture(t);
        }
        if (rowTimeout != null) {
            out = out.orTimeout(rowTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        return out.exceptionally(this::errorRow);
    }

    UnderstandRequest understand(String id, RowData row) {
        byte[] image = image(row);
        DecodingParams params = new DecodingParams(
                tokens(row), number(row, "temperature", config.temperature()).floatValue(),
                number(row, "top_k", config.topK()).intValue(), number(row, "top_p", config.topP()).floatValue(),
                number(row, "seed", config.seed()).longValue());
        return new UnderstandRequest(id, List.of(image), question(row), params);
    }

    LabelRequest label(String id, RowData row) {
        byte[] image = image(row);
        List<String> labels = columns.strings(row, "labels");
        if (labels == null) {
            labels = config.labels();
        }
        if (labels == null || labels.isEmpty()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "no candidate labels (the row's labels are NULL or empty)");
        }
        if (labels.size() > config.limits().maxCandidates()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, labels.size() + " candidate labels, limit " + config.limits().maxCandidates());
        }
        for (String l : labels) {
            if (l == null || l.isBlank() || l.length() > config.limits().maxPromptChars()) {
                throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "candidate labels must be non-empty and at most "
                        + config.limits().maxPromptChars() + " characters");
            }
        }
        return new LabelRequest(id, List.of(image), question(row), labels);
    }

    GenerateRequest generate(String id, RowData row) {
        String prompt = columns.string(row, "prompt");
        if (prompt == null || prompt.isBlank()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "prompt is NULL or empty");
        }
        if (prompt.length() > config.limits().maxPromptChars()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "prompt longer than " + config.limits().maxPromptChars() + " characters");
        }
        int n = number(row, "num_images", config.numImages()).intValue();
        if (n < 1 || n > config.limits().maxImagesPerPrompt()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS,
                    "num_images must be in [1, " + config.limits().maxImagesPerPrompt() + "], got " + n);
        }
        return new GenerateRequest(id, prompt, n, number(row, "cfg_weight", config.cfgWeight()).floatValue(),
                number(row, "temperature", config.temperature()).floatValue(), number(row, "top_k", config.topK()).intValue(),
                number(row, "top_p", config.topP()).floatValue(), number(row, "seed", config.seed()).longValue(), config.format());
    }

    private byte[] image(RowData row) {
        byte[] image = columns.bytes(row, "image");
        if (image == null) {
            throw new RejectedException(ErrorCode.MISSING_IMAGE, "image is NULL");
        }
        if (image.length > config.maxImageBytes()) {
            throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE, "image is " + image.length + " bytes, limit " + config.maxImageBytes());
        }
        ImageProbe.check(image, config.limits().maxImagePixels());
        return image;
    }

    private String question(RowData row) {
        String q = columns.string(row, "question");
        q = q == null ? config.question() : q;
        if (q != null && q.length() > config.limits().maxPromptChars()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "question longer than " + config.limits().maxPromptChars() + " characters");
        }
        return q;
    }

    private int tokens(RowData row) {
        int n = number(row, "max_new_tokens", config.maxNewTokens()).intValue();
        if (n > config.limits().maxNewTokens()) {
            throw new RejectedException(ErrorCode.INVALID_PARAMETERS, "max_new_tokens " + n + " exceeds the limit " + config.limits().maxNewTokens());
        }
        return n;
    }

    private Number number(RowData row, String column, Number fallback) {
        Number v = columns.number(row, column);
        return v == null ? fallback : v;
    }

    private Collection<RowData> answerRow(Answer a) {
        Map<String, Object> v = new HashMap<>();
        v.put("answer", a.text());
        v.put("token_count", a.tokenCount());
        return List.of(columns.output(v));
    }

    private Collection<RowData> labelRow(Label l, List<String> candidates) {
        Map<String, Object> v = new HashMap<>();
        v.put("candidates", candidates);
        v.put("label", l.label());
        v.put("probability", l.probability());
        v.put("log_likelihoods", l.logLikelihoods());
        return List.of(columns.output(v));
    }

    private Collection<RowData> imageRows(List<GeneratedImage> images) {
        List<RowData> rows = new ArrayList<>(images.size());
        for (GeneratedImage g : images) {
            Map<String, Object> v = new HashMap<>();
            v.put("image", g.encoded());
            v.put("index", g.index());
            v.put("seed", g.seed());
            v.put("format", g.format().name());
            v.put("width", g.width());
            v.put("height", g.height());
            rows.add(columns.output(v));
        }
        return rows;
    }

    private Collection<RowData> errorRow(Throwable t) {
        RejectedException r = t instanceof java.util.concurrent.TimeoutException
                || t.getCause() instanceof java.util.concurrent.TimeoutException
                ? new RejectedException(ErrorCode.TIMEOUT, "no result within " + rowTimeout)
                : SlotModelService.reject(t);
        if (r.code() == ErrorCode.MODEL_FAILURE) {
            LOG.warn("model failed on a row: {}", r.getMessage(), r.getCause());
        }
        Map<String, Object> v = new HashMap<>();
        v.put("error_code", r.code().name());
        v.put("error_message", r.getMessage());
        return List.of(columns.output(v));
    }
}
