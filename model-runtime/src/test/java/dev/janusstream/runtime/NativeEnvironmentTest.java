package dev.janusstream.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NativeEnvironmentTest {

    @Test
    void hugePagesForLargeTensorsAreOnUnlessTheUserChoseOtherwise() {
        RuntimeOptions.defaults(); // what every caller touches before the engine
        String exported = System.getenv("THP_MEM_ALLOC_ENABLE"); // Java's snapshot of the environment at start
        String expected = exported != null ? exported : "1";
        assertEquals(expected, NativeEnvironment.get("THP_MEM_ALLOC_ENABLE"),
                "libtorch reads THP_MEM_ALLOC_ENABLE with getenv at its first allocation");
    }
}
