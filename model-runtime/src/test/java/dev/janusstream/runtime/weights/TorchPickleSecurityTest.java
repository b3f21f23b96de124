package dev.janusstream.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile {@code data.pkl} files in otherwise valid torch.save archives. Each payload would, under
 * Python's pickle, create the marker file; the loader must refuse with a message naming the file
 * and the offending global or opcode, and the marker must not exist afterwards.
 */
class TorchPickleSecurityTest {

    /** A payload given the shell command that would create the marker. */
    record Payload(String expected, Function<String, byte[]> pickle) {}

    static Stream<Arguments> payloads() {
        return Stream.of(
                Arguments.of("GLOBAL posix.system + REDUCE", new Payload("'posix system'", cmd ->
                        PickleOps.proto2().global("posix", "system").str(cmd).tuple1().reduce().stop().bytes())),
                Arguments.of("GLOBAL os.system + REDUCE", new Payload("'os system'", cmd ->
                        PickleOps.proto2().global("os", "system").str(cmd).tuple1().reduce().stop().bytes())),
                Arguments.of("GLOBAL builtins.eval + REDUCE", new Payload("'builtins eval'", cmd ->
                        PickleOps.proto2().global("builtins", "eval")
                                .str("__import__('os').system('" + cmd + "')").tuple1().reduce().stop().bytes())),
                Arguments.of("STACK_GLOBAL subprocess.Popen + REDUCE (protocol 4)", new Payload("'subprocess Popen'", cmd -> {
                    PickleOps p = new PickleOps().op(0x80).op(4).stackGlobal("subprocess", "Popen");
                    return p.mark().str("sh").str("-c").str(cmd).tuple().tuple1().reduce().stop().bytes();
                })),
                Arguments.of("STACK_GLOBAL os.system inside a valid state dict", new Payload("'os system'", cmd -> {
                    PickleOps p = PickleOps.proto2().orderedDict().mark();
                    p.str("ok").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1});
                    p.str("evil").stackGlobal("os", "system").str(cmd).tuple1().reduce();
                    return p.setitems().stop().bytes();
                })),
                Arguments.of("os.system as the storage type of a persistent id", new Payload("'os system'", cmd -> {
                    PickleOps p = PickleOps.proto2().orderedDict().mark().str("w");
                    p.global("torch._utils", "_rebuild_tensor_v2").mark()
                            .mark().str("storage").global("os", "system").str("0").str("cpu").integer(2).tuple().op('Q');
                    return p.integer(0).mark().integer(2).tuple().mark().integer(1).tuple().bool(false).orderedDict()
                            .tuple().reduce().setitems().stop().bytes();
                })),
                Arguments.of("Pyrolite-registered copy_reg._reconstructor", new Payload("'copy_reg _reconstructor'", cmd ->
                        PickleOps.proto2().global("copy_reg", "_reconstructor").mark().global("os", "system")
                                .tuple().reduce().stop().bytes())),
                Arguments.of("INST os.system", new Payload("'os system'", cmd ->
                        PickleOps.proto2().mark().str(cmd).inst("os", "system").stop().bytes())),
                Arguments.of("REDUCE on an allowed storage type", new Payload("REDUCE of the global torch.FloatStorage", cmd ->
                        PickleOps.proto2().global("torch", "FloatStorage").emptyTuple().reduce().stop().bytes())),
                Arguments.of("NEWOBJ on an allowed storage type", new Payload("NEWOBJ of the global torch.FloatStorage", cmd ->
                        PickleOps.proto2().global("torch", "FloatStorage").emptyTuple().newobj().stop().bytes())),
                Arguments.of("REDUCE on a plain string", new Payload("REDUCE of a String", cmd ->
                        PickleOps.proto2().str("os.system").str(cmd).tuple1().reduce().stop().bytes())),
                Arguments.of("BUILD (__setstate__) on a tensor", new Payload("BUILD (__setstate__) on a Tensor", cmd -> {
                    PickleOps p = PickleOps.proto2().orderedDict().mark();
                    p.str("w").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}).emptyDict().build();
                    return p.setitems().stop().bytes();
                })),
                Arguments.of("BINUNICODE claiming 2 GB", new Payload("declares 2147483647 bytes", cmd ->
                        PickleOps.proto2().op('X').op(0xFF).op(0xFF).op(0xFF).op(0x7F).stop().bytes())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    void hostilePickleIsRefusedAndNothingRuns(String title, Payload payload, @TempDir Path dir) throws Exception {
        Path marker = dir.resolve("pwned");
        byte[] pkl = payload.pickle().apply("touch " + marker);
        Path bin = dir.resolve("pytorch_model.bin");
        TorchZip.write(bin, "archive", pkl, Map.of("0", TorchBinFileTest.floats(1, 2)));

        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir).close());
        String msg = e.getMessage();
        assertTrue(msg.contains(bin.toString()), "names the file: " + msg);
        assertTrue(msg.contains("archive/data.pkl"), "names the pickle: " + msg);
        assertTrue(msg.contains(payload.expected()), "names the offender " + payload.expected() + ": " + msg);
        Thread.sleep(50); // a spawned process would have had time to run
        assertFalse(Files.exists(marker), "the payload ran");
    }
}
