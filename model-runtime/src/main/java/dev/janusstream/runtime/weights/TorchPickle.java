package dev.janusstream.runtime.weights;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Reads the {@code data.pkl} of a torch.save zip checkpoint as a state dict, allowing only what a
 * state dict needs.
 *
 * <p>A pickle is a program: GLOBAL/STACK_GLOBAL name any importable callable and REDUCE calls it,
 * so a checkpoint can run {@code os.system}. Python's own fix ({@code torch.load(weights_only=True)})
 * is an allow-list, and so is this: the globals listed in {@link #resolve} become inert markers,
 * any other global fails at the moment it is named, and every opcode that calls or instantiates
 * (REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, OBJ, INST, EXT*) only ever acts on those markers. Pyrolite's
 * own constructor registry is never consulted, so nothing is constructed from a name in the file.
 */
final class TorchPickle {
    /** One storage entry of the zip ({@code <dir>/data/<key>}), as a persistent id describes it. */
    record Storage(String key, DType dtype, long numel) {}

    /** One tensor of the state dict: a view of a storage. */
    record Tensor(Storage storage, long offset, long[] shape, long[] stride) {}

    private enum Kind { ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER, STORAGE_TYPE }

    /** An allowed global: a marker standing for the Python object, never the object itself. */
    private record Global(String module, String name, Kind kind, DType dtype) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "BFloat16Storage", DType.BF16, "HalfStorage", DType.F16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private static final String ALLOWED = "collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
            + "torch._utils._rebuild_tensor, torch._utils._rebuild_parameter, torch.<Type>Storage";

    /** Most opcodes executed: ~30 per tensor, so this allows 60 000 tensors. */
    static final long MAX_OPCODES = 2_000_000;

    private TorchPickle() {}

    /**
     * Unpickles a state dict.
     *
     * @param where how messages name the pickle, e.g. {@code /m/pytorch_model.bin: archive/data.pkl}
     */
    static Map<String, Tensor> stateDict(byte[] pickle, String where) {
        Object root;
        try (Restricted u = new Restricted(where)) {
            root = u.loads(pickle);
        } catch (CheckpointException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(where + ": malformed pickle: " + e, e);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointException(where + ": expected a state dict (a dict of tensors) but the pickle holds "
                    + describe(root));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new CheckpointException(where + ": state dict key " + describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Tensor t)) {
                throw new CheckpointException(where + ": state dict entry '" + name + "' is " + describe(e.getValue())
                        + ", not a tensor (nested or non-tensor checkpoints are not supported)");
            }
            tensors.put(name, t);
        }
        return tensors;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Global g ? "the global " + g : "a " + o.getClass().getSimpleName();
    }

    /** Pyrolite's unpickler with every opcode that can reach code taken over by the allow-list. */
    private static final class Restricted extends Unpickler implements AutoCloseable {
        private final String where;
        private long opcodes;

        Restricted(String where) {
            this.where = where;
        }

        @Override
        public Object loads(byte[] data) throws IOException {
            // A ByteArrayInputStream lets length prefixes be checked against what is left (see guardLength).
            return load(new ByteArrayInputStream(data));
        }

        @Override
        protected Object dispatch(short op) throws IOException {
            // Each opcode creates at most a few small objects (a dict, a memo entry), so counting them
            // bounds the heap a pickle can take whatever it repeats (DUP, MEMOIZE, EMPTY_DICT...).
            if (++opcodes > MAX_OPCODES) {
                throw reject("more than " + MAX_OPCODES + " opcodes; a state dict takes about 30 per tensor");
            }
            switch (op) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    stack.add(resolve(module, name));
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw reject("STACK_GLOBAL on non-string operands " + describe(module) + ", " + describe(name));
                    }
                    stack.add(resolve(m, n));
                }
                case Opcodes.REDUCE -> {
                    Object args = stack.pop();
                    Object callable = stack.pop();
                    stack.add(call(callable, args, "REDUCE"));
                }
                case Opcodes.NEWOBJ -> {
                    Object args = stack.pop();
                    Object cls = stack.pop();
                    if (!(cls instanceof Global g && g.kind == Kind.ORDERED_DICT)) {
                        throw reject("NEWOBJ of " + describe(cls) + " is not allowed");
                    }
                    stack.add(call(cls, args, "NEWOBJ"));
                }
                case Opcodes.BUILD -> {
                    Object state = stack.pop();
                    Object target = stack.peek();
                    // An OrderedDict with instance attributes (state_dict()._metadata) is pickled as
                    // SETITEMS + BUILD; the attributes carry module versions we do not need.
                    if (!(target instanceof Map<?, ?>)) {
                        throw reject("BUILD (__setstate__) on " + describe(target) + " with " + describe(state)
                                + " is not allowed");
                    }
                }
                case Opcodes.NEWOBJ_EX -> {
                    stack.pop();
                    stack.pop();
                    throw reject("NEWOBJ_EX of " + describe(stack.pop()) + " is not allowed");
                }
                case Opcodes.OBJ -> {
                    List<Object> items = stack.pop_all_since_marker();
                    throw reject("OBJ of " + (items.isEmpty() ? "nothing" : describe(items.get(0))) + " is not allowed");
                }
                case Opcodes.INST -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    throw reject("INST of global '" + module + " " + name + "' is not allowed");
                }
                case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                        throw reject("extension-registry globals (EXT1/2/4) are not allowed");
                case Opcodes.PERSID -> throw reject("text persistent ids (PERSID) are not written by torch.save");
                case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
                case Opcodes.DICT -> {
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putPairs(dict, stack.pop_all_since_marker());
                    stack.add(dict);
                }
                case Opcodes.SETITEMS -> {
                    // Pyrolite collects SETITEMS into a HashMap first; keep the file's order instead.
                    List<Object> pairs = stack.pop_all_since_marker();
                    if (!(stack.peek() instanceof Map<?, ?>)) {
                        throw reject("SETITEMS on " + describe(stack.peek()));
                    }
                    @SuppressWarnings("unchecked")
                    Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                    putPairs(dict, pairs);
                }
                case Opcodes.BINSTRING, Opcodes.BINUNICODE, Opcodes.BINBYTES, Opcodes.LONG4 -> {
                    guardLength(4);
                    return super.dispatch(op);
                }
                case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> {
                    guardLength(8);
                    return super.dispatch(op);
                }
                default -> {
                    return super.dispatch(op);
                }
            }
            return NO_RETURN_VALUE;
        }

        private void putPairs(Map<Object, Object> dict, List<Object> pairs) {
            if (pairs.size() % 2 != 0) {
                throw reject("odd number of items for a dict");
            }
            for (int i = 0; i < pairs.size(); i += 2) {
                dict.put(pairs.get(i), pairs.get(i + 1));
            }
        }

        /** A length prefix larger than the rest of the pickle would make Pyrolite allocate it first. */
        private void guardLength(int prefixBytes) throws IOException {
            input.mark(prefixBytes);
            byte[] b = PickleUtils.readbytes(input, prefixBytes);
            input.reset();
            long len = prefixBytes == 4 ? PickleUtils.bytes_to_uint(b, 0) : PickleUtils.bytes_to_long(b, 0);
            if (len < 0 || len > input.available() - prefixBytes) {
                throw reject("an opcode declares " + Long.toUnsignedString(len) + " bytes but only "
                        + (input.available() - prefixBytes) + " remain (truncated or malformed data.pkl)");
            }
        }

        private Global resolve(String module, String name) {
            switch (module + "." + name) {
                case "collections.OrderedDict" -> {
                    return new Global(module, name, Kind.ORDERED_DICT, null);
                }
                case "torch._utils._rebuild_tensor_v2" -> {
                    return new Global(module, name, Kind.REBUILD_TENSOR_V2, null);
                }
                case "torch._utils._rebuild_tensor" -> {
                    return new Global(module, name, Kind.REBUILD_TENSOR, null);
                }
                case "torch._utils._rebuild_parameter" -> {
                    return new Global(module, name, Kind.REBUILD_PARAMETER, null);
                }
                default -> {
                    if (module.equals("torch") && STORAGE_TYPES.containsKey(name)) {
                        return new Global(module, name, Kind.STORAGE_TYPE, STORAGE_TYPES.get(name));
                    }
                    throw reject("global '" + module + " " + name + "' is not allowed in a tensor checkpoint "
                            + "(allowed: " + ALLOWED + "); nothing was executed");
                }
            }
        }

        private Object call(Object callable, Object args, String opcode) {
            if (!(callable instanceof Global g) || g.kind == Kind.STORAGE_TYPE) {
                throw reject(opcode + " of " + describe(callable) + " is not allowed");
            }
            if (!(args instanceof Object[] a)) {
                throw reject(opcode + " of " + g + " with arguments " + describe(args) + " instead of a tuple");
            }
            return switch (g.kind) {
                case ORDERED_DICT -> {
                    if (a.length != 0) {
                        throw reject(g + " called with " + a.length + " arguments (expected none)");
                    }
                    yield new LinkedHashMap<>();
                }
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                case REBUILD_TENSOR_V2 -> rebuildTensor(g, a, 6, 7);
                // (storage, storage_offset, size, stride)
                case REBUILD_TENSOR -> rebuildTensor(g, a, 4, 4);
                // (data, requires_grad, backward_hooks)
                case REBUILD_PARAMETER -> {
                    if (a.length != 3 || !(a[0] instanceof Tensor t)) {
                        throw reject(g + " called with " + Arrays.toString(a) + " (expected a tensor and 2 more)");
                    }
                    yield t;
                }
                case STORAGE_TYPE -> throw new AssertionError();
            };
        }

        private Tensor rebuildTensor(Global g, Object[] a, int minArgs, int maxArgs) {
            if (a.length < minArgs || a.length > maxArgs || !(a[0] instanceof Storage s)) {
                throw reject(g + " called with " + a.length + " arguments, first " + describe(a.length > 0 ? a[0] : null)
                        + " (expected a storage and " + (minArgs - 1) + " more)");
            }
            long offset = toLong(a[1], "storage_offset");
            long[] shape = toLongs(a[2], "size");
            long[] stride = toLongs(a[3], "stride");
            if (shape.length != stride.length) {
                throw reject(g + ": size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                        + " differ in rank");
            }
            return new Tensor(s, offset, shape, stride);
        }

        /** {@code ('storage', storage_type, key, location, numel)}, as torch.save's persistent_id writes it. */
        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0])) {
                throw reject("persistent id " + (pid instanceof Object[] a ? Arrays.toString(a) : describe(pid))
                        + " is not ('storage', type, key, location, numel)");
            }
            if (!(t[1] instanceof Global g) || g.kind != Kind.STORAGE_TYPE) {
                throw reject("persistent id names storage type " + describe(t[1]));
            }
            if (!(t[2] instanceof String key) || key.isEmpty() || key.contains("/")) {
                throw reject("persistent id has storage key " + describe(t[2]));
            }
            return new Storage(key, g.dtype, toLong(t[4], "numel"));
        }

        private long toLong(Object o, String what) {
            if (o instanceof Integer || o instanceof Long) {
                long v = ((Number) o).longValue();
                if (v >= 0) {
                    return v;
                }
            } else if (o instanceof BigInteger b && b.signum() >= 0 && b.bitLength() < 63) {
                return b.longValue();
            }
            throw reject(what + " is " + (o instanceof Number ? o : describe(o)) + ", not a non-negative integer");
        }

        private long[] toLongs(Object o, String what) {
            if (!(o instanceof Object[] a)) {
                throw reject(what + " is " + describe(o) + ", not a tuple");
            }
            long[] r = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = toLong(a[i], what + "[" + i + "]");
            }
            return r;
        }

        private CheckpointException reject(String why) {
            return new CheckpointException(where + ": refused: " + why);
        }
    }
}
