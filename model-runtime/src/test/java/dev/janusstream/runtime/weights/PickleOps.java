package dev.janusstream.runtime.weights;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes pickle opcodes by hand, the way torch.save (protocol 2) lays out a state dict, so tests
 * can build both well-formed and hostile {@code data.pkl} files without Python.
 */
final class PickleOps {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleOps proto2() {
        PickleOps p = new PickleOps();
        p.op(0x80).op(2);
        return p;
    }

    PickleOps op(int b) {
        out.write(b);
        return this;
    }

    PickleOps global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Protocol 4 style: module and name pushed as strings, then STACK_GLOBAL. */
    PickleOps stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    PickleOps inst(String module, String name) {
        op('i');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleOps str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        int n = b.length;
        op(n & 0xFF).op((n >> 8) & 0xFF).op((n >> 16) & 0xFF).op(n >>> 24);
        out.writeBytes(b);
        return this;
    }

    PickleOps integer(long v) {
        op('J');
        int n = Math.toIntExact(v);
        return op(n & 0xFF).op((n >> 8) & 0xFF).op((n >> 16) & 0xFF).op(n >>> 24);
    }

    /** LONG1: any 64-bit value (torch.save writes numel and offsets past 2^31 this way). */
    PickleOps long1(long v) {
        op(0x8a).op(8);
        for (int i = 0; i < 8; i++) {
            op((int) (v >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    /** A tensor whose numel, offset and shape may be any 64-bit values (written with LONG1). */
    PickleOps tensorLong(String storageType, String key, long numel, long offset, long[] shape, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").long1(numel).tuple().op('Q');
        long1(offset).mark();
        for (long x : shape) {
            long1(x);
        }
        tuple().mark();
        for (long x : stride) {
            long1(x);
        }
        return tuple().bool(false).orderedDict().tuple().reduce();
    }

    PickleOps mark() {
        return op('(');
    }

    PickleOps tuple() {
        return op('t');
    }

    PickleOps tuple1() {
        return op(0x85);
    }

    PickleOps emptyTuple() {
        return op(')');
    }

    PickleOps reduce() {
        return op('R');
    }

    PickleOps build() {
        return op('b');
    }

    PickleOps newobj() {
        return op(0x81);
    }

    PickleOps bool(boolean b) {
        return op(b ? 0x88 : 0x89);
    }

    PickleOps emptyDict() {
        return op('}');
    }

    PickleOps setitems() {
        return op('u');
    }

    PickleOps stop() {
        return op('.');
    }

    /** {@code OrderedDict()}: how torch.save opens a state dict (and writes backward_hooks). */
    PickleOps orderedDict() {
        return global("collections", "OrderedDict").emptyTuple().reduce();
    }

    /** {@code ('storage', torch.<type>, key, 'cpu', numel)} as a BINPERSID persistent id. */
    PickleOps storage(String storageType, String key, long numel) {
        return mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple().op('Q');
    }

    private PickleOps longs(long[] v) {
        mark();
        for (long x : v) {
            integer(x);
        }
        return tuple();
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    PickleOps tensor(String storageType, String key, long numel, long offset, long[] shape, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(storageType, key, numel).integer(offset).longs(shape).longs(stride).bool(false).orderedDict();
        return tuple().reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
