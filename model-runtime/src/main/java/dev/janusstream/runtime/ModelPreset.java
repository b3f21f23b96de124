package dev.janusstream.runtime;

import dev.janusstream.runtime.config.JanusConfig;
import dev.janusstream.runtime.weights.DType;
import dev.janusstream.runtime.weights.RandomWeights;
import dev.janusstream.runtime.weights.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Built-in model shapes for random-weight models: {@code tiny} (the golden test checkpoint's
 * dimensions, for demos and tests) and {@code janus-pro-1b} (the real Janus-Pro-1B dimensions,
 * for benchmarks). With random weights text is noise, so neither ships a real vocabulary:
 * {@code tiny} uses the golden checkpoint's byte-level BPE (one token per byte), and
 * {@code janus-pro-1b} a word-level stand-in ({@code WordLevel} model, GPT-2 byte-level
 * pre-tokenisation: one token per word, number, punctuation run or newline, unknown words as
 * {@code <unk>}) so that prompts have about the lengths the real DeepSeek tokenizer gives them
 * (the caption prompt: 632 tokens, as the reference harness in {@code ../shared/reference-bench/}
 * counts it) and benchmarks prefill what a real checkpoint would.
 */
public enum ModelPreset {
    TINY("tiny"),
    JANUS_PRO_1B("janus-pro-1b");

    static final List<String> FILES = List.of("config.json", "preprocessor_config.json", "processor_config.json");
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

    private final String id;

    ModelPreset(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static ModelPreset parse(String s) {
        for (ModelPreset p : values()) {
            if (p.id.equalsIgnoreCase(s) || p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + s + "' (tiny, janus-pro-1b)");
    }

    public JanusConfig config() {
        return JanusConfig.parse(text("config.json"), text("preprocessor_config.json"), text("processor_config.json"));
    }

    /** Writes the preset's config, processor and tokenizer files (not weights) into {@code dir}. */
    public void writeFiles(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : FILES) {
                copy(resource(f), dir.resolve(f));
            }
            for (String f : TOKENIZER_FILES) {
                copy(resource(f), dir.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a complete random-weight checkpoint of this preset into {@code dir}: config and
     * processor files, the tokenizer, and {@code model.safetensors} (F32), deterministic for a
     * seed. Tensors real checkpoints carry but inference never reads (the SigLIP attention-pool
     * head, the VQ encoder) are left out.
     */
    public void writeCheckpoint(Path dir, long seed) {
        writeFiles(dir);
        RandomWeights weights = new RandomWeights(seed, true);
        try (JanusModel model = JanusModel.fromWeights(dir, config(), "random-" + id + "-seed" + seed, weights,
                RuntimeOptions.defaults())) {
            SafetensorsWriter writer = new SafetensorsWriter()
                    .metadata("format", "pt")
                    .metadata("producer", "janus-stream init-model")
                    .metadata("preset", id)
                    .metadata("seed", Long.toString(seed));
            weights.tensors().forEach((name, array) -> writer.add(name, DType.F32, array));
            writer.write(dir.resolve("model.safetensors"));
        }
    }

    private String resource(String file) {
        return "presets/" + id + "/" + file;
    }

    private String text(String file) {
        try (InputStream in = open(resource(file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = open(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static InputStream open(String resource) {
        InputStream in = ModelPreset.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing bundled resource " + resource);
        }
        return in;
    }
}
