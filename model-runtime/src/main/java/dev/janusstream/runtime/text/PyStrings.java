package dev.janusstream.runtime.text;

/**
 * Python's {@code str.strip()} family. Java's {@link String#strip()} differs from Python on a few
 * characters (U+0085, no-break spaces), and the prompt template must match the reference byte for byte.
 */
final class PyStrings {
    private PyStrings() {}

    /** Python's {@code str.isspace()} for one char (all such characters are in the BMP). */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    static String strip(String s) {
        return rstrip(lstrip(s));
    }

    static String lstrip(String s) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s) {
        int j = s.length();
        while (j > 0 && isSpace(s.charAt(j - 1))) {
            j--;
        }
        return s.substring(0, j);
    }
}
