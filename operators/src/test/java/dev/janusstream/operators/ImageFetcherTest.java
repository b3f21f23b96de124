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
}
