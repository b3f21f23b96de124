package dev.janusstream.operators;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFetcherTest {
    @TempDir Path dir;

    private ImageFetcher fetcher(long maxBytes) {
        return new ImageFetcher(new ImagePolicy(List.of(dir.resolve("images").toUri().toString()), maxBytes, maxBytes));
    }

    private static ErrorCode codeOf(Runnable r) {
        return assertThrows(RejectedException.class, r::run).code();
    }

    @Test
    void readsOnlyUnderAllowedRoots() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.write(images.resolve("a.png"), new byte[] {1, 2, 3});
        Files.write(dir.resolve("secret.txt"), new byte[] {7});
        ImageFetcher f = fetcher(1000);

        assertArrayEquals(new byte[] {1, 2, 3}, f.fetch(images.resolve("a.png").toUri().toString()));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("file:///etc/passwd")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch(dir.resolve("secret.txt").toUri().toString())));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch(images.toUri() + "../secret.txt")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch(images.toUri() + "%2e%2e/secret.txt")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("file://" + dir + "/images-evil/a.png")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("http://example.com/a.png")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("a.png")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("file:" + images + "/a.png?x=1")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> f.fetch("::not a uri")));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> fetcher(10).policy().withRoots(List.of()).check(images.resolve("a.png").toUri().toString())));
    }

    @Test
    void unreadableAndOversizedAreTheirOwnReasons() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.write(images.resolve("big.png"), new byte[2000]);
        Files.createDirectories(images.resolve("sub"));
        Files.write(images.resolve("empty.png"), new byte[0]);
        ImageFetcher f = fetcher(1000);
        assertEquals(ErrorCode.URI_UNREADABLE, codeOf(() -> f.fetch(images.resolve("missing.png").toUri().toString())));
        assertEquals(ErrorCode.URI_UNREADABLE, codeOf(() -> f.fetch(images.resolve("sub").toUri().toString())));
        assertEquals(ErrorCode.IMAGE_TOO_LARGE, codeOf(() -> f.fetch(images.resolve("big.png").toUri().toString())));
        assertEquals(ErrorCode.IMAGE_EMPTY, codeOf(() -> f.fetch(images.resolve("empty.png").toUri().toString())));
        assertEquals(ErrorCode.IMAGE_TOO_LARGE, codeOf(() -> f.checkInline(new byte[1001])));
        assertEquals(ErrorCode.IMAGE_EMPTY, codeOf(() -> f.checkInline(new byte[0])));
    }

    @Test
    void aSymlinkInsideARootCannotLeaveIt() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path secret = Files.write(dir.resolve("secret.png"), new byte[] {9});
        Files.createSymbolicLink(images.resolve("link.png"), secret);
        assertEquals(ErrorCode.URI_NOT_ALLOWED, codeOf(() -> fetcher(1000).fetch(images.resolve("link.png").toUri().toString())));
    }

    @Test
    void imageHeadersAreProbedBeforeTheModel() throws Exception {
        var img = new java.awt.image.BufferedImage(30, 20, java.awt.image.BufferedImage.TYPE_INT_RGB);
        var out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        byte[] png = out.toByteArray();
        ImageProbe.Header h = ImageProbe.check(png, 1000);
        assertEquals(30, h.width());
        assertEquals(20, h.height());
        assertEquals(ErrorCode.IMAGE_TOO_LARGE, codeOf(() -> ImageProbe.check(png, 599)));
        assertEquals(ErrorCode.IMAGE_UNDECODABLE, codeOf(() -> ImageProbe.check("not an image".getBytes(), 1000)));
        assertEquals(ErrorCode.IMAGE_UNDECODABLE, codeOf(() -> ImageProbe.check(java.util.Arrays.copyOf(png, 12), 1000)));
    }

    @Test
    void overlongOrMalformedUrisAreRefusedWithAShortReason() {
        ImageFetcher f = fetcher(1000);
        String huge = dir.resolve("images").toUri() + "a".repeat(10_000_000) + ".png";
        RejectedException e = assertThrows(RejectedException.class, () -> f.fetch(huge));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, e.code());
        assertTrue(e.getMessage().contains("10000") && e.getMessage().contains("more than " + ImagePolicy.MAX_URI_LENGTH),
                e.getMessage().substring(0, 100));
        assertTrue(e.getMessage().length() < 400, "the reason is short: " + e.getMessage().length());
        String bad = "file:///" + " x".repeat(4000); // under the length limit, a syntax error whose message repeats it
        RejectedException syntax = assertThrows(RejectedException.class, () -> f.fetch(bad));
        assertEquals(ErrorCode.URI_NOT_ALLOWED, syntax.code());
        assertTrue(syntax.getMessage().length() < 400, "the reason is short: " + syntax.getMessage().length());
    }

    /** RIFF/WEBP: a VP8X canvas of 4x4 around a lossy VP8 frame header claiming 16383x16383. */
    private static byte[] webpCanvasLie() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + 18 + 8 + 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(4 + 18 + 8 + 20).put("WEBP".getBytes());
        b.put("VP8X".getBytes()).putInt(10).put(new byte[4]).put(new byte[] {3, 0, 0, 3, 0, 0});
        b.put("VP8 ".getBytes()).putInt(20).put(new byte[] {(byte) 0x50, 1, 0, (byte) 0x9d, 1, 0x2a});
        b.putShort((short) 16383).putShort((short) 16383).put(new byte[10]);
        return b.array();
    }

    @Test
    void webpWhoseFrameIsLargerThanItsCanvasIsTooLarge() {
        byte[] webp = webpCanvasLie();
        RejectedException e = assertThrows(RejectedException.class, () -> ImageProbe.check(webp, 40_000_000L));
        assertEquals(ErrorCode.IMAGE_TOO_LARGE, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(16383L * 16383)), e.getMessage());
    }
}
