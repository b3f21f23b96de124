package dev.janusstream.sql;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The model's INPUT and OUTPUT columns bound to what the task reads and writes, by column name
 * (case-insensitive). Which names a task accepts, and with which types, is fixed
 * ({@link #INPUTS}, {@link #OUTPUTS}); anything else is a planning error naming the column.
 * The values of an input row are read by these names; an output row is built in the OUTPUT's order.
 */
final class ModelColumns implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Families of SQL types a column accepts. */
    enum Kind {
        STRING("STRING"), BYTES("BYTES"), INT("INT"), BIGINT("BIGINT"), WHOLE("an integer type"), NUMBER("a numeric type"),
        DOUBLE("DOUBLE"), STRING_ARRAY("ARRAY<STRING>"), DOUBLE_ARRAY("ARRAY<DOUBLE>");

        final String sql;

        Kind(String sql) {
            this.sql = sql;
        }

        boolean accepts(LogicalType t) {
            return switch (this) {
                case STRING -> t.is(LogicalTypeFamily.CHARACTER_STRING);
                case BYTES -> t.is(LogicalTypeFamily.BINARY_STRING);
                case INT -> t.is(LogicalTypeRoot.INTEGER);
                case BIGINT -> t.is(LogicalTypeRoot.BIGINT);
                case WHOLE -> t.is(LogicalTypeFamily.INTEGER_NUMERIC);
                case NUMBER -> t.is(LogicalTypeFamily.NUMERIC);
                case DOUBLE -> t.is(LogicalTypeRoot.DOUBLE);
                case STRING_ARRAY -> t.is(LogicalTypeRoot.ARRAY) && ((ArrayType) t).getElementType().is(LogicalTypeFamily.CHARACTER_STRING);
                case DOUBLE_ARRAY -> t.is(LogicalTypeRoot.ARRAY) && ((ArrayType) t).getElementType().is(LogicalTypeRoot.DOUBLE);
            };
        }
    }

    /** Input column names per task (lower case) and their types; the first one is required. */
    static final Map<JanusTask, Map<String, Kind>> INPUTS = Map.of(
            JanusTask.UNDERSTAND, ordered("image", Kind.BYTES, "question", Kind.STRING, "max_new_tokens", Kind.WHOLE,
                    "temperature", Kind.NUMBER, "top_k", Kind.WHOLE, "top_p", Kind.NUMBER, "seed", Kind.WHOLE),
            JanusTask.LABEL, ordered("image", Kind.BYTES, "question", Kind.STRING, "labels", Kind.STRING_ARRAY),
            JanusTask.GENERATE, ordered("prompt", Kind.STRING, "seed", Kind.WHOLE, "num_images", Kind.WHOLE,
                    "cfg_weight", Kind.NUMBER, "temperature", Kind.NUMBER, "top_k", Kind.WHOLE, "top_p", Kind.NUMBER));

    /** Output column names per task and their types. */
    static final Map<JanusTask, Map<String, Kind>> OUTPUTS = Map.of(
            JanusTask.UNDERSTAND, ordered("answer", Kind.STRING, "token_count", Kind.INT, "error_code", Kind.STRING,
                    "error_message", Kind.STRING),
            JanusTask.LABEL, ordered("label", Kind.STRING, "probability", Kind.DOUBLE, "log_likelihoods", Kind.DOUBLE_ARRAY,
                    "candidates", Kind.STRING_ARRAY, "error_code", Kind.STRING, "error_message", Kind.STRING),
            JanusTask.GENERATE, ordered("image", Kind.BYTES, "index", Kind.INT, "seed", Kind.BIGINT, "format", Kind.STRING,
                    "width", Kind.INT, "height", Kind.INT, "error_code", Kind.STRING, "error_message", Kind.STRING));

    private final Map<String, Integer> inputIndex;
    private final RowData.FieldGetter[] inputGetters;
    private final String[] outputNames;

    private ModelColumns(Map<String, Integer> inputIndex, RowData.FieldGetter[] inputGetters, String[] outputNames) {
        this.inputIndex = inputIndex;
        this.inputGetters = inputGetters;
        this.outputNames = outputNames;
    }

    /** Binds the model's columns for {@code task}; throws a {@link ValidationException} listing every problem. */
    static ModelColumns bind(JanusTask task, ResolvedSchema input, ResolvedSchema output) {
        List<String> problems = new ArrayList<>();
        Map<String, Integer> index = new HashMap<>();
        List<Column> in = input.getColumns();
        RowData.FieldGetter[] getters = new RowData.FieldGetter[in.size()];
        check(task, "INPUT", in, INPUTS.get(task), problems, index);
        for (int i = 0; i < in.size(); i++) {
            getters[i] = RowData.createFieldGetter(in.get(i).getDataType().getLogicalType(), i);
        }
        String required = INPUTS.get(task).keySet().iterator().next();
        if (!index.containsKey(required)) {
            problems.add("INPUT must have a column '" + required + "' (" + INPUTS.get(task).get(required).sql + ")");
        }
        List<Column> out = output.getColumns();
        check(task, "OUTPUT", out, OUTPUTS.get(task), problems, new HashMap<>());
        String[] names = new String[out.size()];
        boolean result = false;
        for (int i = 0; i < out.size(); i++) {
            names[i] = out.get(i).getName().toLowerCase(Locale.ROOT);
            result |= !names[i].startsWith("error_") && OUTPUTS.get(task).containsKey(names[i]);
        }
        if (!result) {
            problems.add("OUTPUT must have at least one of " + OUTPUTS.get(task).keySet().stream().filter(n -> !n.startsWith("error_")).toList());
        }
        if (!problems.isEmpty()) {
            throw new ValidationException("janus model (task '" + task.name().toLowerCase(Locale.ROOT) + "'): " + String.join("; ", problems));
        }
        return new ModelColumns(index, getters, names);
    }

    private static void check(JanusTask task, String what, List<Column> cols, Map<String, Kind> accepted, List<String> problems,
            Map<String, Integer> index) {
        for (int i = 0; i < cols.size(); i++) {
            Column c = cols.get(i);
            String name = c.getName().toLowerCase(Locale.ROOT);
            Kind kind = accepted.get(name);
            if (kind == null) {
                problems.add(what + " column '" + c.getName() + "' is not one task " + task.name().toLowerCase(Locale.ROOT)
                        + " knows (" + describe(accepted) + ")");
            } else if (!kind.accepts(c.getDataType().getLogicalType())) {
                problems.add(what + " column '" + c.getName() + "' must be " + kind.sql + ", not " + c.getDataType());
            } else if (index.put(name, i) != null) {
                problems.add(what + " column '" + c.getName() + "' appears twice");
            }
        }
    }

    private static String describe(Map<String, Kind> accepted) {
        List<String> s = new ArrayList<>();
        accepted.forEach((n, k) -> s.add(n + " " + k.sql));
        return String.join(", ", s);
    }

    boolean hasInput(String name) {
        return inputIndex.containsKey(name);
    }

    /** The row's value of an input column as Flink's internal data (StringData, byte[], Long, ...), or null. */
    Object input(RowData row, String name) {
        Integer i = inputIndex.get(name);
        if (i == null || row.isNullAt(i)) {
            return null;
        }
        // ML_PREDICT hands over the table's values as they are (a DECIMAL or INT column for a DOUBLE or BIGINT INPUT column)
        return row instanceof GenericRowData g ? g.getField(i) : inputGetters[i].getFieldOrNull(row);
    }

    String string(RowData row, String name) {
        Object v = input(row, name);
        return v == null ? null : v.toString();
    }

    byte[] bytes(RowData row, String name) {
        return (byte[]) input(row, name);
    }

    Number number(RowData row, String name) {
        Object v = input(row, name);
        return v instanceof DecimalData d ? d.toBigDecimal() : (Number) v;
    }

    List<String> strings(RowData row, String name) {
        ArrayData a = (ArrayData) input(row, name);
        if (a == null) {
            return null;
        }
        List<String> out = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            out.add(a.isNullAt(i) ? null : a.getString(i).toString());
        }
        return out;
    }

    /**
     * An output row: each OUTPUT column takes the value of the same name (Java values: String,
     * byte[], Integer, Long, Double, double[], List of String), NULL where absent.
     */
    RowData output(Map<String, Object> values) {
        GenericRowData row = new GenericRowData(outputNames.length);
        for (int i = 0; i < outputNames.length; i++) {
            row.setField(i, internal(values.get(outputNames[i])));
        }
        return row;
    }

    private static Object internal(Object v) {
        if (v instanceof String s) {
            return StringData.fromString(s);
        }
        if (v instanceof double[] d) {
            return new GenericArrayData(d);
        }
        if (v instanceof List<?> l) {
            Object[] a = new Object[l.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = internal(l.get(i));
            }
            return new GenericArrayData(a);
        }
        return v; // byte[], Integer, Long, Double, null
    }

    private static Map<String, Kind> ordered(Object... kv) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Kind) kv[i + 1]);
        }
        return m;
    }
}
