package dev.janusstream.runtime.text;

/**
 * Token ids of one prompt row. {@code imageMask[i]} is true where ids[i] is an image-token slot
 * whose embedding is replaced by the aligned vision features (Janus' {@code images_seq_mask}),
 * {@code imageTokens} slots per image, images in order.
 */
public record Prompt(int[] ids, boolean[] imageMask, int imageCount) {

    public Prompt {
        if (ids.length != imageMask.length) {
            throw new IllegalArgumentException("ids and image mask lengths differ: " + ids.length + " != "
                    + imageMask.length);
        }
    }

    public int length() {
        return ids.length;
    }

    /** Number of true entries of the image mask. */
    public int imageTokenCount() {
        int n = 0;
        for (boolean b : imageMask) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
