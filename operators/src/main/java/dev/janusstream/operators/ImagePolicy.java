package dev.janusstream.operators;

import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Which image URIs a job may read and how large an image may be. A URI is allowed only when it
 * lies under one of the allowed roots: same scheme and authority, and a path that starts with the
 * root's path at a segment boundary, with no "." or ".." segments, no user info, query or
 * fragment. With no roots, every URI is refused (inline images still work).
 *
 * <p>Roots are URIs such as {@code file:///data/images/} or {@code s3://bucket/prefix/}; a root
 * ending in "/" and one without denote the same directory.
 */
public record ImagePolicy(List<String> allowedRoots, long maxInlineBytes, long maxFetchedBytes) implements Serializable {

    public static final long DEFAULT_MAX_IMAGE_BYTES = 20L * 1024 * 1024;
    /** Longest image URI accepted (characters); file systems allow paths of 4096 bytes, S3 keys 1024. */
    public static final int MAX_URI_LENGTH = 8192;

    public ImagePolicy {
        allowedRoots = List.copyOf(allowedRoots);
        if (maxInlineBytes < 1 || maxFetchedBytes < 1) {
            throw new IllegalArgumentException("image size limits must be positive");
        }
        for (String r : allowedRoots) {
            URI u = parseRoot(r);
            if (u.getScheme() == null || u.getPath() == null || !u.getPath().startsWith("/")) {
                throw new IllegalArgumentException("allowed root must be an absolute URI with a path, e.g. file:///data/images/: " + r);
            }
        }
    }

    public static ImagePolicy defaults() {
        return new ImagePolicy(List.of(), DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_IMAGE_BYTES);
    }

    public ImagePolicy withRoots(List<String> roots) {
        return new ImagePolicy(roots, maxInlineBytes, maxFetchedBytes);
    }

    private static URI parseRoot(String r) {
        try {
            String s = r.trim();
            if (s.startsWith("/")) { // a bare local path
                s = java.nio.file.Path.of(s).toUri().toString();
            }
            return new URI(s).normalize();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid allowed root '" + r + "': " + e.getMessage());
        }
    }

    /** Returns the parsed URI when allowed; throws {@link RejectedException} (URI_NOT_ALLOWED) otherwise. */
    public URI check(String uriString) {
        if (uriString != null && uriString.length() > MAX_URI_LENGTH) {
            throw new RejectedException(ErrorCode.URI_NOT_ALLOWED, "image URI has " + uriString.length()
                    + " characters, more than " + MAX_URI_LENGTH + ": " + shorten(uriString));
        }
        URI u;
        try {
            u = new URI(uriString.trim());
        } catch (URISyntaxException | NullPointerException e) {
            // URISyntaxException's message repeats the whole input
            throw new RejectedException(ErrorCode.URI_NOT_ALLOWED, "invalid image URI: " + shorten(e.getMessage()));
        }
        String scheme = u.getScheme();
        if (scheme == null || u.isOpaque() || u.getPath() == null || !u.getPath().startsWith("/")) {
            throw new RejectedException(ErrorCode.URI_NOT_ALLOWED, "image URI must be absolute with a scheme: " + shorten(uriString));
        }
        if (u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new RejectedException(ErrorCode.URI_NOT_ALLOWED, "image URI must not carry user info, query or fragment: " + shorten(uriString));
        }
        for (String seg : u.getPath().split("/", -1)) {
            if (seg.equals("..") || seg.equals(".") || seg.indexOf('\0') >= 0) {
                throw new RejectedException(ErrorCode.URI_NOT_ALLOWED, "image URI must not contain '.' or '..' segments: " + shorten(uriString));
            }
        }
        for (String r : allowedRoots) {
            URI root = parseRoot(r);
            if (scheme.toLowerCase(Locale.ROOT).equals(root.getScheme().toLowerCase(Locale.ROOT))
                    && sameAuthority(u.getAuthority(), root.getAuthority())
                    && under(u.getPath(), root.getPath())) {
                return u;
            }
        }
        throw new RejectedException(ErrorCode.URI_NOT_ALLOWED,
                shorten(uriString) + " is outside the allowed image roots " + allowedRoots);
    }

    static boolean under(String path, String rootPath) {
        String root = rootPath.endsWith("/") ? rootPath : rootPath + "/";
        return path.startsWith(root) && path.length() > root.length();
    }

    private static boolean sameAuthority(String a, String b) {
        String x = a == null ? "" : a;
        String y = b == null ? "" : b;
        return x.equalsIgnoreCase(y);
    }

    static String shorten(String s) {
        return s == null ? "null" : s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** The root (as a URI) that {@code u} lies under. */
    URI rootOf(URI u) {
        for (String r : allowedRoots) {
            URI root = parseRoot(r);
            if (u.getScheme().equalsIgnoreCase(root.getScheme()) && sameAuthority(u.getAuthority(), root.getAuthority())
                    && under(u.getPath(), root.getPath())) {
                return root;
            }
        }
        return null;
    }
}
