package io.fptrfunctions.fptr;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.util.function.Supplier;

/** Turns what is left after the fault-tolerance policies into the client's public exceptions. */
final class FptrFaults {

    private FptrFaults() {
    }

    /** For calls safe to repeat: everything left is "FPTR unavailable, nothing changed". */
    static <T> T safe(String what, Supplier<T> guarded) {
        try {
            return guarded.get();
        } catch (TransientFptrFailure e) {
            throw new FptrUnavailableException(what + ": " + e.getMessage() + ", retries exhausted.", e.retryAfter(), e);
        } catch (TimeoutException e) {
            throw new FptrUnavailableException(what + ": FPTR did not answer in time, retries exhausted.", e);
        } catch (CircuitBreakerOpenException e) {
            throw circuitOpen(what, e);
        }
    }

    /** For creates and updates: a failure after the request may have reached FPTR leaves the outcome unknown. */
    static <T> T write(String what, Supplier<T> guarded) {
        try {
            return guarded.get();
        } catch (TransientFptrFailure e) {
            if (e.mayHaveReachedFptr()) {
                throw new FptrWriteOutcomeUnknownException(what + ": " + e.getMessage()
                        + "; FPTR may or may not have applied it. Look before trying again.", e);
            }
            throw new FptrUnavailableException(what + ": " + e.getMessage() + "; nothing was changed.", e.retryAfter(), e);
        } catch (TimeoutException e) {
            throw new FptrWriteOutcomeUnknownException(what + ": FPTR did not answer in time; it may or may not have "
                    + "applied the change. Look before trying again.", e);
        } catch (CircuitBreakerOpenException e) {
            throw circuitOpen(what, e);
        }
    }

    private static FptrUnavailableException circuitOpen(String what, CircuitBreakerOpenException e) {
        return new FptrUnavailableException(what + ": FPTR has been failing repeatedly, so it is not called for a "
                + "short while (circuit breaker open).", e);
    }
}
