package dev.janusstream.runtime.text;

import dev.janusstream.runtime.InvalidRequestException;
import dev.janusstream.runtime.InvalidRequestException.Code;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Janus' {@code deepseek} SFT template (VLChatProcessor / generation_inference.py) for one user turn:
 *
 * <pre>
 * understanding: bos + S + "\n\n" + "&lt;|User|&gt;: " + content.strip() + "\n\n" + "&lt;|Assistant|&gt;:"
 *                content = "&lt;image_placeholder&gt;\n" per image + question
 * generation:    bos + "&lt;|User|&gt;: " + prompt.strip() + "\n\n" + "&lt;|Assistant|&gt;:" + &lt;begin_of_image&gt;
 * </pre>
 *
 * Each image slot is expanded to {@code <begin_of_image>} + N x {@code <image_placeholder>} +
 * {@code <end_of_image>}. Special tokens are inserted by id; every piece of text (template and user)
 * goes through {@link JanusTokenizer#encodeText}, so the user cannot inject special tokens. The text
 * runs between special tokens are encoded whole, which is exactly how the HF tokenizer segments the
 * reference string, so the ids equal the reference's for any text without special-token strings.
 */
public final class ChatTemplate {
    /** VLChatProcessor's built-in system prompt (process_one always passes it). */
    public static final String DEFAULT_SYSTEM_PROMPT = "You are a helpful language and vision assistant. "
            + "You are able to understand the visual content that the user provides, and assist the user with a "
            + "variety of tasks using natural language.";
    static final String USER = "<|User|>";
    static final String ASSISTANT = "<|Assistant|>";
    static final String SEP = "\n\n";
    /** Marks an image slot in a sequence of text pieces. */
    private static final Object IMAGE = new Object();

    private final JanusTokenizer tokenizer;
    private final int imageTokens;
    private final String systemPrompt;
    private final int maxLength;

    /**
     * @param imageTokens slots per image ({@code num_image_tokens}: 576 for Janus-Pro)
     * @param maxLength   longest prompt accepted, in tokens (PROMPT_TOO_LONG beyond)
     */
    public ChatTemplate(JanusTokenizer tokenizer, int imageTokens, String systemPrompt, int maxLength) {
        if (imageTokens < 1 || maxLength < 1) {
            throw new IllegalArgumentException("imageTokens and maxLength must be positive");
        }
        this.tokenizer = tokenizer;
        this.imageTokens = imageTokens;
        this.systemPrompt = systemPrompt == null ? "" : systemPrompt;
        this.maxLength = maxLength;
    }

    public ChatTemplate(JanusTokenizer tokenizer, int imageTokens, int maxLength) {
        this(tokenizer, imageTokens, DEFAULT_SYSTEM_PROMPT, maxLength);
    }

    /**
     * The understanding prompt: {@code images} image slots before the question, as VLChatProcessor
     * builds it for a conversation [{User, "&lt;image_placeholder&gt;\n" * images + question}, {Assistant, ""}].
     */
    public Prompt understanding(String question, int images) {
        if (images < 0) {
            throw new IllegalArgumentException("image count must be >= 0, got " + images);
        }
        List<Object> content = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            content.add(IMAGE);
            content.add("\n");
        }
        content.add(question == null ? "" : question);
        Ids out = new Ids();
        out.add(tokenizer.bosId(), false);
        emit(out, sft(systemPrompt, content));
        return out.build(images);
    }

    /** The text-to-image prompt (empty system prompt) ending with {@code <begin_of_image>}. */
    public Prompt generation(String prompt) {
        Ids out = new Ids();
        out.add(tokenizer.bosId(), false);
        emit(out, sft("", new ArrayList<>(List.of(prompt == null ? "" : prompt))));
        out.add(tokenizer.beginOfImageId(), false);
        return out.build(0);
    }

    /**
     * Conversation.get_prompt() of the deepseek style for [{User, content.strip()}, {Assistant, ""}],
     * then .strip(), on a sequence of text pieces and IMAGE markers (where the reference has the
     * image tag text).
     */
    private static List<Object> sft(String system, List<Object> content) {
        List<Object> message = strip(content);
        List<Object> sft = new ArrayList<>();
        if (!system.isEmpty()) {
            sft.add(system + SEP);
        }
        if (message.isEmpty()) {
            sft.add(USER + ":"); // an empty message is written as "role:" with no separator
        } else {
            sft.add(USER + ": ");
            sft.addAll(message);
            sft.add(SEP);
        }
        sft.add(ASSISTANT + ":");
        return strip(sft);
    }

    /** Python's str.strip() applied to the concatenation (images are never whitespace). */
    private static List<Object> strip(List<Object> parts) {
        List<Object> r = new ArrayList<>(parts);
        while (!r.isEmpty() && r.get(0) instanceof String s) {
            String t = PyStrings.lstrip(s);
            if (!t.isEmpty()) {
                r.set(0, t);
                break;
            }
            r.remove(0);
        }
        while (!r.isEmpty() && r.get(r.size() - 1) instanceof String s) {
            String t = PyStrings.rstrip(s);
            if (!t.isEmpty()) {
                r.set(r.size() - 1, t);
                break;
            }
            r.remove(r.size() - 1);
        }
        return r;
    }

    /** Encodes each run of text between image slots as one piece, as the HF tokenizer segments it. */
    private void emit(Ids out, List<Object> parts) {
        StringBuilder run = new StringBuilder();
        for (Object p : parts) {
            if (p == IMAGE) {
                addText(out, run.toString());
                run.setLength(0);
                addImageSlot(out);
            } else {
                run.append((String) p);
            }
        }
        addText(out, run.toString());
    }

    /**
     * The classifier-free-guidance row: the same ids with every position but the first (bos) and the
     * last ({@code <begin_of_image>}) replaced by the pad id.
     */
    public int[] unconditional(int[] conditionalIds) {
        int[] u = conditionalIds.clone();
        if (u.length > 2) {
            Arrays.fill(u, 1, u.length - 1, tokenizer.padId());
        }
        return u;
    }

    public int imageTokens() {
        return imageTokens;
    }

    private void addText(Ids out, String text) {
        for (int id : tokenizer.encodeText(text)) {
            out.add(id, false);
        }
    }

    private void addImageSlot(Ids out) {
        out.add(tokenizer.beginOfImageId(), false);
        for (int i = 0; i < imageTokens; i++) {
            out.add(tokenizer.imagePlaceholderId(), true);
        }
        out.add(tokenizer.endOfImageId(), false);
    }

    /** Growable id + mask buffer that enforces maxLength as it grows. */
    private final class Ids {
        private int[] ids = new int[256];
        private boolean[] mask = new boolean[256];
        private int n;

        void add(int id, boolean image) {
            if (n == maxLength) {
                throw new InvalidRequestException(Code.PROMPT_TOO_LONG,
                        "prompt is longer than " + maxLength + " tokens (image slots included)");
            }
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, n * 2);
                mask = Arrays.copyOf(mask, n * 2);
            }
            ids[n] = id;
            mask[n++] = image;
        }

        Prompt build(int images) {
            return new Prompt(Arrays.copyOf(ids, n), Arrays.copyOf(mask, n), images);
        }
    }
}
