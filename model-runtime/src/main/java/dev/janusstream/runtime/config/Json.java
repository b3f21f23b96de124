package dev.janusstream.runtime.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers for reading optional keys of HuggingFace JSON configs. */
final class Json {
    private Json() {}

    static JsonObject read(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a JSON object: " + e.getMessage(), e);
        }
    }

    static JsonObject obj(JsonObject o, String key) {
        JsonElement e = o == null ? null : o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : new JsonObject();
    }

    static int integer(JsonObject o, String key, int dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsInt();
    }

    static double number(JsonObject o, String key, double dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsDouble();
    }

    static String string(JsonObject o, String key, String dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    static int[] ints(JsonObject o, String key, int[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            return dflt;
        }
        var a = e.getAsJsonArray();
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    static double[] doubles(JsonObject o, String key, double[] dflt) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            return dflt;
        }
        var a = e.getAsJsonArray();
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsDouble();
        }
        return r;
    }
}
