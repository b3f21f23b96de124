package dev.janusstream.schemas;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.management.ThreadMXBean;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Values whose lengths and counts claim more than they hold: each is a CORRUPT value, found out
 * before anything of the claimed size is allocated (measured as the bytes the decoding thread
 * allocated).
 */
class HostileValuesTest {
    /** Issue 9's record: single-object header + ImageRequest fingerprint, candidate_labels claiming ~1.5 billion items. */
    static final byte[] ISSUE_RECORD = HexFormat.of().parseHex("c301b24fb92809355b89027900000000028" + "0bcc1960b0261");

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Decodes {@code value}, expecting CORRUPT, and returns the bytes the decode allocated. */
    static long corruptAndAllocated(WireFormat<?> format, byte[] value) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        WireFormatException e = assertThrows(WireFormatException.class, () -> format.decode(value), () -> HexFormat.of().formatHex(value));
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertEquals(WireFormatException.Reason.CORRUPT, e.getReason(), e.getMessage());
        return allocated;
    }

    @Test
    void theIssueRecordIsCorruptWithoutAllocatingItsClaimedArray() {
        assertEquals(24, ISSUE_RECORD.length);
        assertSame(WireFormat.IMAGE_REQUEST, WireFormat.detect(ISSUE_RECORD));
        long allocated = corruptAndAllocated(WireFormat.IMAGE_REQUEST, ISSUE_RECORD);
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes");
        WireFormatException e = assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(ISSUE_RECORD));
        assertTrue(e.getMessage().contains("array of 1"), e.getMessage());
    }

    @Test
    void hugeAndNegativeLengthsOfBytesStringsArraysAndMapsAreCorrupt() {
        // (a negative array or map count is a block header: its magnitude is the item count, next comes the block size)
        long[] claims = {Integer.MAX_VALUE, Integer.MAX_VALUE - 8, 1L << 31, 1L << 40, Long.MAX_VALUE, 2_000_000_000L, 1_500_000_000L,
            -1, -2, Integer.MIN_VALUE, Long.MIN_VALUE};
        for (long n : claims) {
            // request_id (string) claims n bytes
            assertBounded(WireFormat.IMAGE_REQUEST, body(zigzag(n), bytes(0x61)));
            // image_bytes: union branch 1 (bytes) claiming n bytes
            assertBounded(WireFormat.IMAGE_REQUEST, body(str("r"), zigzag(1), zigzag(n), bytes(1, 2, 3)));
            if (n == -1 || n == -2) {
                continue; // a small negative count is a legal block header (count, then its size in bytes)
            }
            // candidate_labels: nulls for image_bytes..decoding, then branch 1 (array) claiming n items
            assertBounded(WireFormat.IMAGE_REQUEST, body(str("r"), zigzag(0), zigzag(0), zigzag(0), zigzag(0), zigzag(1), zigzag(n), str("a")));
            // metadata (map) claiming n entries
            assertBounded(WireFormat.IMAGE_REQUEST, body(str("r"), zigzag(0), zigzag(0), zigzag(0), zigzag(0), zigzag(0), zigzag(n), str("k"), str("v")));
            // a prompt of n bytes
            assertBounded(WireFormat.PROMPT_REQUEST, body(str("p"), zigzag(n), bytes(0x61, 0x62)));
        }
    }

    @Test
    void aValueIsExactlyOneRecordNothingAfterIt() {
        byte[] ok = WireFormat.IMAGE_REQUEST.encode(WireFormatTest.imageRequest());
        assertEquals(WireFormatTest.imageRequest(), WireFormat.IMAGE_REQUEST.decode(ok));
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
        WireFormatException e = assertThrows(WireFormatException.class, () -> WireFormat.IMAGE_REQUEST.decode(longer));
        assertEquals(WireFormatException.Reason.CORRUPT, e.getReason());
        assertTrue(e.getMessage().contains("1 bytes after the end"), e.getMessage());
    }

    private static void assertBounded(WireFormat<?> format, byte[] body) {
        byte[] value = withHeader(format, body);
        long t0 = System.nanoTime();
        long allocated = corruptAndAllocated(format, value);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(allocated < 1 << 20, "decoding " + HexFormat.of().formatHex(value) + " allocated " + allocated + " bytes");
        assertTrue(ms < 2_000, "decoding took " + ms + " ms");
    }

    static byte[] withHeader(WireFormat<?> format, byte[] body) {
        byte[] out = new byte[WireFormat.HEADER_LENGTH + body.length];
        out[0] = WireFormat.MAGIC[0];
        out[1] = WireFormat.MAGIC[1];
        java.nio.ByteBuffer.wrap(out, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(format.fingerprint());
        System.arraycopy(body, 0, out, WireFormat.HEADER_LENGTH, body.length);
        return out;
    }

    static byte[] zigzag(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    static byte[] str(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return body(zigzag(b.length), b);
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    static byte[] body(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
