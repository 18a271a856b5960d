package io.fptrfunctions.fptr;

/**
 * A create or update was sent but its answer never arrived whole (connection cut, timeout, gateway
 * error): FPTR may or may not have applied it. Writes are never retried automatically because a
 * repeated create makes a duplicate; the caller must look before trying again.
 */
public class FptrWriteOutcomeUnknownException extends RuntimeException {

    public FptrWriteOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
