package dev.janusstream.runtime.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import dev.janusstream.runtime.config.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The checkpoint's {@code tokenizer.json} through DJL's HuggingFace tokenizers, loaded from the model
 * directory only (never the Hub). Special tokens are found by their names (from
 * {@code tokenizer_config.json} / {@code special_tokens_map.json} and Janus' image tags), never by
 * number, as Janus itself does with {@code tokenizer.vocab.get(tag)}.
 *
 * <p>Two native tokenizers are held. {@code full} is the file as published: it decodes, and
 * resolves names. {@code plain} is the same file without its special added tokens: it tokenises
 * user text, so a question that contains {@code <image_placeholder>} or
 * {@code <｜end▁of▁sentence｜>} is read as those characters and can never open an image slot or end
 * the prompt. The HF library splits special tokens out of any text it encodes and DJL exposes no
 * switch for that, so removing them is the only way to have the library itself tokenise the
 * literal text (byte-level BPE then gives exactly what ordinary text gives). Neither adds bos: the
 * prompt builder places every special token itself.
 *
 * <p>Thread-safe (the native tokenizers are); {@link #close()} frees them.
 */
public final class JanusTokenizer implements AutoCloseable {
    public static final String DEFAULT_IMAGE_TAG = "<image_placeholder>";
    public static final String BEGIN_OF_IMAGE = "<begin_of_image>";
    public static final String END_OF_IMAGE = "<end_of_image>";
    /** VLChatProcessor's pad tag, used when the tokenizer config names no pad token. */
    public static final String DEFAULT_PAD = "<｜▁pad▁｜>";

    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer full;
    private final HuggingFaceTokenizer plain;
    private final Map<String, Integer> vocab;
    private final Set<Integer> specialIds;
    private final int vocabSize;
    private final boolean cleanUpSpaces;
    private final int bos;
    private final int eos;
    private final int pad;
    private final int imagePlaceholder;
    private final int beginOfImage;
    private final int endOfImage;

    private JanusTokenizer(HuggingFaceTokenizer full, HuggingFaceTokenizer plain, TokenizerJson json,
            HfTokenizerConfig names, String imageTag) {
        this.full = full;
        this.plain = plain;
        this.vocab = json.vocab;
        this.specialIds = json.specialIds;
        this.vocabSize = json.vocabSize;
        this.cleanUpSpaces = names.cleanUpSpaces();
        this.bos = special(names.bos(), "bos_token");
        this.eos = special(names.eos(), "eos_token");
        this.pad = names.pad() != null ? special(names.pad(), "pad_token")
                : vocab.containsKey(DEFAULT_PAD) ? special(DEFAULT_PAD, "pad tag") : eos;
        this.imagePlaceholder = special(imageTag, "image tag");
        this.beginOfImage = special(BEGIN_OF_IMAGE, "begin-of-image tag");
        this.endOfImage = special(END_OF_IMAGE, "end-of-image tag");
    }

    /** Loads {@code tokenizer.json} (+ configs) of a model directory, with Janus' default image tag. */
    public static JanusTokenizer load(Path modelDir) {
        return load(modelDir, DEFAULT_IMAGE_TAG);
    }

    /** @param imageTag the image placeholder of {@code processor_config.json} ({@code image_tag}) */
    public static JanusTokenizer load(Path modelDir, String imageTag) {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(modelDir + ": no tokenizer.json (the tokenizer is loaded from the "
                    + "model directory only)");
        }
        TokenizerJson json = TokenizerJson.read(file);
        HfTokenizerConfig names = HfTokenizerConfig.read(modelDir);
        HuggingFaceTokenizer full = null;
        HuggingFaceTokenizer plain = null;
        try {
            // Built from the JSON text, never from a name, so DJL cannot reach the Hub. DJL's own
            // tokenizer_config reader is not used: it rejects the AddedToken objects that real
            // checkpoints (DeepSeek's included) use for bos/eos.
            full = HuggingFaceTokenizer.newInstance(stream(json.text()), OPTIONS);
            plain = HuggingFaceTokenizer.newInstance(stream(json.withoutSpecialTokens()), OPTIONS);
            return new JanusTokenizer(full, plain, json, names, imageTag);
        } catch (IOException e) {
            closeQuietly(full, plain);
            throw new UncheckedIOException(file + ": cannot load tokenizer: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            closeQuietly(full, plain);
            throw e;
        } catch (RuntimeException e) {
            closeQuietly(full, plain); // the native tokenizer refusing the JSON
            throw new IllegalArgumentException(file + ": cannot load tokenizer: " + e, e);
        }
    }

    private static ByteArrayInputStream stream(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }

    private int special(String name, String what) {
        Integer id = vocab.get(name);
        if (id == null) {
            throw new IllegalArgumentException("tokenizer.json has no token '" + name + "' (" + what + ")");
        }
        return id;
    }

    /**
     * Ids of user text with no bos and no special tokens: special-token strings in the text are
     * tokenised as the characters they are made of.
     */
    public int[] encodeText(String text) {
        if (text.isEmpty()) {
            return new int[0];
        }
        int[] ids = toInts(plain.encode(text).getIds());
        for (int id : ids) {
            // Only a model vocabulary that merges its way to a special token's text could do this.
            if (specialIds.contains(id)) {
                throw new IllegalStateException("tokenizer.json produced special token " + id
                        + " from ordinary text; its BPE vocabulary contains special-token text");
            }
        }
        return ids;
    }

    /** Text of ids, special tokens (bos, eos, pad, image tags) left out. */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        String text = full.decode(l, true);
        return cleanUpSpaces ? cleanUpTokenizationSpaces(text) : text;
    }

    /**
     * transformers' {@code clean_up_tokenization}, applied by {@code decode} when the config asks
     * for it (done here because DJL only takes that setting from its own config reader).
     */
    static String cleanUpTokenizationSpaces(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s").replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    /** Id of a token by its text (model vocabulary or added token). */
    public int tokenId(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("no token '" + token + "' in tokenizer.json");
        }
        return id;
    }

    public boolean hasToken(String token) {
        return vocab.containsKey(token);
    }

    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    /** Number of token ids the tokenizer can produce (largest id + 1). */
    public int vocabSize() {
        return vocabSize;
    }

    public int bosId() {
        return bos;
    }

    public int eosId() {
        return eos;
    }

    public int padId() {
        return pad;
    }

    public int imagePlaceholderId() {
        return imagePlaceholder;
    }

    public int beginOfImageId() {
        return beginOfImage;
    }

    public int endOfImageId() {
        return endOfImage;
    }

    private static int[] toInts(long[] l) {
        int[] r = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            r[i] = Math.toIntExact(l[i]);
        }
        return r;
    }

    private static void closeQuietly(HuggingFaceTokenizer... ts) {
        for (HuggingFaceTokenizer t : ts) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(full, plain);
    }

    /** What the tokenizer.json itself says: token -> id, special ids, and the copy without them. */
    private static final class TokenizerJson {
        /** Token ids beyond this are not a real vocabulary (Janus-Pro's is 102400); same bound as vocab_size. */
        static final int MAX_VOCAB = 1 << 22;
        final JsonObject root;
        private String text;
        final Map<String, Integer> vocab = new HashMap<>();
        final Set<Integer> specialIds = new HashSet<>();
        int vocabSize;

        private TokenizerJson(JsonObject root) {
            this.root = root;
        }

        static TokenizerJson read(Path file) {
            JsonObject root;
            String text;
            try {
                text = ModelFiles.readString(file, ModelFiles.MAX_TOKENIZER_BYTES); // IllegalArgumentException naming the file
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
            }
            try {
                root = JsonParser.parseString(text).getAsJsonObject();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": not a tokenizer.json object: " + e.getMessage(), e);
            }
            TokenizerJson t = new TokenizerJson(root);
            try {
                t.index();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": malformed vocabulary or added_tokens: " + e, e);
            }
            t.text = text;
            return t;
        }

        /** Reads the vocabulary and added tokens; ids must lie in [0, MAX_VOCAB). */
        private void index() {
            TokenizerJson t = this;
            JsonElement model = root.getAsJsonObject("model") == null ? null : root.getAsJsonObject("model").get("vocab");
            if (model != null && model.isJsonObject()) {
                // BPE / WordPiece / WordLevel: {"token": id}
                for (Map.Entry<String, JsonElement> e : model.getAsJsonObject().entrySet()) {
                    t.put(e.getKey(), exactId(e.getValue()));
                }
            } else if (model != null && model.isJsonArray()) {
                // Unigram: [[piece, score], ...], id = position
                JsonArray a = model.getAsJsonArray();
                for (int i = 0; i < a.size(); i++) {
                    t.put(a.get(i).getAsJsonArray().get(0).getAsString(), i);
                }
            }
            for (JsonElement e : addedTokens(root)) {
                JsonObject o = e.getAsJsonObject();
                int id = exactId(o.get("id"));
                t.put(o.get("content").getAsString(), id);
                if (o.has("special") && o.get("special").getAsBoolean()) {
                    t.specialIds.add(id);
                }
            }
            if (t.vocab.isEmpty()) {
                throw new IllegalArgumentException("no vocabulary");
            }
        }

        private static int exactId(JsonElement e) {
            try {
                return new java.math.BigDecimal(e.getAsString()).intValueExact();
            } catch (ArithmeticException | NumberFormatException ex) {
                throw new IllegalArgumentException("token id " + e + " is not a 32-bit integer");
            }
        }

        private void put(String token, int id) {
            if (id < 0 || id >= MAX_VOCAB) {
                throw new IllegalArgumentException("token '" + (token.length() > 40 ? token.substring(0, 40) + "..." : token)
                        + "' has id " + id + "; ids must lie in 0.." + (MAX_VOCAB - 1));
            }
            vocab.put(token, id);
            vocabSize = Math.max(vocabSize, id + 1);
        }

        private static JsonArray addedTokens(JsonObject root) {
            JsonElement a = root.get("added_tokens");
            return a != null && a.isJsonArray() ? a.getAsJsonArray() : new JsonArray();
        }

        String text() {
            return text;
        }

        /** The JSON with special added tokens removed (ordinary added tokens stay). */
        String withoutSpecialTokens() {
            JsonObject copy = root.deepCopy();
            JsonArray kept = new JsonArray();
            for (JsonElement e : addedTokens(copy)) {
                JsonObject o = e.getAsJsonObject();
                if (!(o.has("special") && o.get("special").getAsBoolean())) {
                    kept.add(o);
                }
            }
            copy.add("added_tokens", kept);
            return copy.toString();
        }
    }
}
