package io.fptrfunctions.sim;

/** Answers one request; throw {@link SimError} for an FPTR error answer. */
@FunctionalInterface
public interface SimHandler {
    void handle(SimExchange exchange) throws Exception;
}
