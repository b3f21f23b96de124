package dev.janusstream.operators;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads images by URI through Flink's {@link FileSystem} (file:// and every scheme a Flink
 * filesystem plugin provides), after the {@link ImagePolicy} allowed it. Local paths are also
 * checked after resolving symbolic links, so a link inside a root cannot point outside it.
 */
public final class ImageFetcher implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ImagePolicy policy;

    public ImageFetcher(ImagePolicy policy) {
        this.policy = policy;
    }

    public ImagePolicy policy() {
        return policy;
    }

    /** Inline bytes checked against the inline limit. */
    public byte[] checkInline(byte[] bytes) {
        if (bytes.length == 0) {
            throw new RejectedException(ErrorCode.IMAGE_EMPTY, "inline image is empty");
        }
        if (bytes.length > policy.maxInlineBytes()) {
            throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE,
                    "inline image has " + bytes.length + " bytes, limit " + policy.maxInlineBytes());
        }
        return bytes;
    }

    /** The image's bytes; throws {@link RejectedException} with URI_NOT_ALLOWED, URI_UNREADABLE or IMAGE_TOO_LARGE. */
    public byte[] fetch(String uriString) {
        URI uri = policy.check(uriString);
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            checkRealPath(uri);
        }
        long limit = policy.maxFetchedBytes();
        try {
            Path path = new Path(uri);
            FileSystem fs = path.getFileSystem();
            FileStatus status = fs.getFileStatus(path);
            if (status.isDir()) {
                throw new RejectedException(ErrorCode.URI_UNREADABLE, "image URI is a directory: " + ImagePolicy.shorten(uriString));
            }
            if (status.getLen() > limit) {
                throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE,
                        "image at " + ImagePolicy.shorten(uriString) + " has " + status.getLen() + " bytes, limit " + limit);
            }
            try (InputStream in = fs.open(path)) {
                byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
                if (bytes.length > limit) { // grew since getFileStatus
                    throw new RejectedException(ErrorCode.IMAGE_TOO_LARGE, "image at " + ImagePolicy.shorten(uriString) + " exceeds " + limit + " bytes");
                }
                if (bytes.length == 0) {
                    throw new RejectedException(ErrorCode.IMAGE_EMPTY, "image at " + ImagePolicy.shorten(uriString) + " is empty");
                }
                return bytes;
            }
        } catch (RejectedException e) {
            throw e;
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new RejectedException(ErrorCode.URI_UNREADABLE, "no such image: " + ImagePolicy.shorten(uriString));
        } catch (IOException | RuntimeException e) {
            throw new RejectedException(ErrorCode.URI_UNREADABLE,
                    "cannot read " + ImagePolicy.shorten(uriString) + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void checkRealPath(URI uri) {
        URI root = policy.rootOf(uri);
        try {
            java.nio.file.Path file = java.nio.file.Path.of(uri);
            if (!Files.exists(file)) {
                return; // reported as unreadable by the read below
            }
            java.nio.file.Path realRoot = java.nio.file.Path.of(root).toRealPath();
            if (!file.toRealPath().startsWith(realRoot)) {
                throw new RejectedException(ErrorCode.URI_NOT_ALLOWED,
                        uri + " resolves (through a link) outside the allowed root " + root);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof RejectedException r) {
                throw r;
            }
            throw new RejectedException(ErrorCode.URI_UNREADABLE, "cannot resolve " + uri + ": " + e.getMessage());
        }
    }
}
