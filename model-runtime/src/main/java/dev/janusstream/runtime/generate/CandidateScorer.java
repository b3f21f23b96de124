package dev.janusstream.runtime.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.janusstream.runtime.model.JanusNetwork;
import dev.janusstream.runtime.model.KvCache;
import dev.janusstream.runtime.model.LlamaDecoder;
import dev.janusstream.runtime.text.Prompt;
import java.util.ArrayList;
import java.util.List;

/**
 * Labelling: the log-likelihood the model gives each candidate answer after a prompt, from one
 * teacher-forced forward over prompt + answer rows (no free generation). Only the answer
 * positions go through the text head.
 */
public final class CandidateScorer {

    /** A prompt (with images) and the token ids of each candidate answer. */
    public record Input(Prompt prompt, List<float[]> pixels, List<int[]> candidates) {}

    private final JanusNetwork net;
    private final int padId;

    public CandidateScorer(JanusNetwork net, int padId) {
        this.net = net;
        this.padId = padId;
    }

    /** Total log-probability of every candidate of every input: result[input][candidate]. */
    public double[][] score(List<Input> inputs, NDManager parent) {
        LlamaDecoder llm = net.llm();
        // One decoder row per (input, candidate): the prompt followed by the candidate's tokens.
        List<Understanding.Input> rowInputs = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (Input in : inputs) {
            for (int[] cand : in.candidates()) {
                int[] ids = concat(in.prompt().ids(), cand);
                boolean[] mask = java.util.Arrays.copyOf(in.prompt().imageMask(), ids.length);
                rowInputs.add(new Understanding.Input(new Prompt(ids, mask, in.prompt().imageCount()), in.pixels(),
                        SamplingParams.GREEDY, null, 1));
                answers.add(cand);
            }
        }
        try (NDManager m = parent.newSubManager()) {
            Rows rows = Rows.leftPadded(rowInputs.stream().map(i -> i.prompt().ids()).toList(), padId);
            NDArray embeds = new Understanding(net, padId, -1).promptEmbeddings(rows, rowInputs, m);
            try (KvCache cache = llm.newCache(m, rows.rows(), rows.length())) {
                NDArray hidden = llm.forward(embeds, rows.prefill(), cache); // [R, T, D]
                long d = llm.config().hiddenSize();
                // Position p predicts token p+1: the answer's tokens are predicted by the positions just before them.
                List<Long> at = new ArrayList<>();
                List<Long> targets = new ArrayList<>();
                for (int r = 0; r < rows.rows(); r++) {
                    int[] ans = answers.get(r);
                    int firstAnswer = rows.length() - ans.length; // rows are left-padded: answers end the row
                    for (int j = 0; j < ans.length; j++) {
                        at.add((long) r * rows.length() + firstAnswer - 1 + j);
                        targets.add((long) ans[j]);
                    }
                }
                NDArray h = hidden.reshape(-1, d).get(new NDIndex("{}", m.create(at.stream().mapToLong(Long::longValue).toArray())));
                NDArray logProbs = net.textLogits(h).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).logSoftmax(-1);
                NDArray picked = logProbs.gather(m.create(targets.stream().mapToLong(Long::longValue).toArray()).reshape(-1, 1), 1);
                float[] lp = picked.toFloatArray();
                double[][] out = new double[inputs.size()][];
                int k = 0, row = 0;
                for (int i = 0; i < inputs.size(); i++) {
                    out[i] = new double[inputs.get(i).candidates().size()];
                    for (int c = 0; c < out[i].length; c++, row++) {
                        for (int j = 0; j < answers.get(row).length; j++) {
                            out[i][c] += lp[k++];
                        }
                    }
                }
                return out;
            }
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
