package io.fptrfunctions.thumbnailworker;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DelaysTest {

    private static final Duration S10 = Duration.ofSeconds(10);
    private static final Duration M5 = Duration.ofMinutes(5);

    @Test
    void aPendingImageIsLookedAtEveryTenSecondsAtFirstThenAfterAThirdOfTheWaitUpToFiveMinutes() {
        assertEquals(S10, Delays.pending(Duration.ZERO, S10, M5));
        assertEquals(S10, Delays.pending(Duration.ofSeconds(30), S10, M5), "FPTR's usual 20-40 s: every 10 s");
        assertEquals(Duration.ofSeconds(15), Delays.pending(Duration.ofSeconds(45), S10, M5));
        assertEquals(Duration.ofSeconds(60), Delays.pending(Duration.ofMinutes(3), S10, M5));
        assertEquals(M5, Delays.pending(Duration.ofMinutes(25), S10, M5));
    }

    @Test
    void aFailedJobWaitsOneMinuteThenDoublingUpToFifteen() {
        List<Long> minutes = IntStream.rangeClosed(1, 8)
                .mapToObj(receive -> Delays.failure(receive, Duration.ofMinutes(1), Duration.ofMinutes(15)).toMinutes()).toList();
        assertEquals(List.of(1L, 2L, 4L, 8L, 15L, 15L, 15L, 15L), minutes, "with maxReceiveCount 8: about an hour before the DLQ");
        assertEquals(Duration.ofMinutes(15), Delays.failure(Integer.MAX_VALUE, Duration.ofMinutes(1), Duration.ofMinutes(15)));
    }
}
