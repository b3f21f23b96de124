package dev.janusstream.runtime.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The sizes a WebP file claims, read from its RIFF chunks without decoding anything: the VP8X
 * canvas, each animation frame (ANMF) and each bitstream (VP8, VP8L). ImageIO's reader reports
 * only the canvas, but its decoder sizes buffers from the bitstream's own header, so a 4x4 canvas
 * around a VP8 frame claiming 16383x16383 would pass a canvas check and then allocate ~4 GB.
 */
public final class WebpChunks {
    private WebpChunks() {}

    /**
     * The largest width x height claimed anywhere in the file; 0 when it is not a RIFF/WEBP file.
     * Chunks are walked with their declared lengths clamped to the bytes present.
     */
    public static long largestClaimedPixels(byte[] b) {
        if (b.length < 12 || !ascii(b, 0, "RIFF") || !ascii(b, 8, "WEBP")) {
            return 0;
        }
        return walk(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), 12, b.length, 0);
    }

    private static long walk(ByteBuffer b, int from, int to, int depth) {
        long largest = 0;
        int pos = from;
        while (pos + 8 <= to) {
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int start = pos + 8;
            int end = (int) Math.min(to, start + size);
            byte[] id = new byte[4];
            b.get(pos, id);
            String fourcc = new String(id, java.nio.charset.StandardCharsets.US_ASCII);
            int n = end - start;
            switch (fourcc) {
                case "VP8X" -> {
                    if (n >= 10) {
                        largest = Math.max(largest, (u24(b, start + 4) + 1) * (u24(b, start + 7) + 1));
                    }
                }
                case "ANMF" -> {
                    if (n >= 16) {
                        largest = Math.max(largest, (u24(b, start + 6) + 1) * (u24(b, start + 9) + 1));
                        if (depth == 0) {
                            largest = Math.max(largest, walk(b, start + 16, end, depth + 1));
                        }
                    }
                }
                case "VP8 " -> {
                    if (n >= 10) { // frame tag (3), start code (3), 14-bit width and height (+2 bits of scale)
                        largest = Math.max(largest, (long) (b.getShort(start + 6) & 0x3FFF) * (b.getShort(start + 8) & 0x3FFF));
                    }
                }
                case "VP8L" -> {
                    if (n >= 5) { // signature 0x2f, then 14-bit width-1 and height-1
                        long bits = Integer.toUnsignedLong(b.getInt(start + 1));
                        largest = Math.max(largest, ((bits & 0x3FFF) + 1) * (((bits >>> 14) & 0x3FFF) + 1));
                    }
                }
                default -> {
                    // ICCP, EXIF, XMP, ALPH, ANIM...: no size of their own
                }
            }
            long next = start + size + (size & 1);
            if (next > to) {
                break;
            }
            pos = (int) next;
        }
        return largest;
    }

    private static long u24(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8 | (long) (b.get(at + 2) & 0xFF) << 16;
    }

    private static boolean ascii(byte[] b, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
