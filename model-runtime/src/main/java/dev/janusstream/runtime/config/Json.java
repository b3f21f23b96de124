package dev.janusstream.runtime.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;

/**
 * Small helpers for reading optional keys of HuggingFace JSON configs. Numbers that size the model
 * are read exactly (no silent truncation of 1e12 or 2.5) and checked against a range; the message
 * names the key by its path in the file ({@code language_config.hidden_size}).
 */
final class Json {
    private Json() {}

    static JsonObject read(Path file) {
        String text;
        try {
            text = ModelFiles.readString(file, ModelFiles.MAX_CONFIG_BYTES);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            return JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    static JsonObject obj(JsonObject o, String key) {
        JsonElement e = o == null ? null : o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    private static String path(String scope, String key) {
        return scope.isEmpty() ? key : scope + "." + key;
    }

    static int integer(JsonObject o, String key, int dflt) {
        return integer(o, "", key, dflt, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An integer in {@code [min, max]}; {@code scope} is where {@code o} sits in the file, for messages. */
    static int integer(JsonObject o, String scope, String key, int dflt, int min, int max) {
        JsonElement e = o.get(key);
        long v = e == null || e.isJsonNull() ? dflt : exactInt(e, path(scope, key));
        return (int) inRange(v, min, max, path(scope, key));
    }

    static long inRange(long v, long min, long max, String what) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " is " + v + "; expected " + min + ".." + max);
        }
        return v;
    }

    private static int exactInt(JsonElement e, String what) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return new BigDecimal(e.getAsString()).intValueExact();
            }
        } catch (ArithmeticException | NumberFormatException ex) {
            // falls through to the message below
        }
        throw new IllegalArgumentException(what + " is " + shorten(e) + ", not an integer that fits in 32 bits");
    }

    static double number(JsonObject o, String key, double dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsDouble();
    }

    /** A finite number in {@code (minExclusive, max]}. */
    static double number(JsonObject o, String scope, String key, double dflt, double minExclusive, double max) {
        JsonElement e = o.get(key);
        double v;
        try {
            v = e == null || e.isJsonNull() ? dflt : e.getAsDouble();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(path(scope, key) + " is " + shorten(e) + ", not a number");
        }
        if (!Double.isFinite(v) || v <= minExclusive || v > max) {
            throw new IllegalArgumentException(path(scope, key) + " is " + v + "; expected a number in (" + minExclusive
                    + ", " + max + "]");
        }
        return v;
    }

    static String string(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    /** An array of exactly {@code length} integers (any length when {@code length < 0}), each in {@code [min, max]}. */
    static int[] ints(JsonObject o, String scope, String key, int[] dflt, int length, int maxLength, int min, int max) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            return dflt;
        }
        var a = e.getAsJsonArray();
        String what = path(scope, key);
        if (length >= 0 ? a.size() != length : a.size() < 1 || a.size() > maxLength) {
            throw new IllegalArgumentException(what + " has " + a.size() + " values; expected "
                    + (length >= 0 ? String.valueOf(length) : "1.." + maxLength));
        }
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (int) inRange(exactInt(a.get(i), what + "[" + i + "]"), min, max, what + "[" + i + "]");
        }
        return r;
    }

    /** An array of exactly {@code length} finite numbers. */
    static double[] doubles(JsonObject o, String scope, String key, double[] dflt, int length) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            return dflt;
        }
        var a = e.getAsJsonArray();
        String what = path(scope, key);
        if (a.size() != length) {
            throw new IllegalArgumentException(what + " has " + a.size() + " values; expected " + length);
        }
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            try {
                r[i] = a.get(i).getAsDouble();
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(what + "[" + i + "] is " + shorten(a.get(i)) + ", not a number");
            }
            if (!Double.isFinite(r[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] is " + r[i]);
            }
        }
        return r;
    }

    private static String shorten(JsonElement e) {
        String s = String.valueOf(e);
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
