package io.fptrfunctions.fptr;

/**
 * FPTR answered 401 on a data call: the token expired or was revoked early. Never retried by FT;
 * {@link FptrClient} mints once more and repeats the call, and a second 401 becomes {@link #refusal()}.
 */
class UnauthorizedCall extends RuntimeException {

    private final FptrFailure.Refused refusal;

    UnauthorizedCall(FptrFailure.Refused refusal) {
        super(refusal.getMessage(), null, false, false);
        this.refusal = refusal;
    }

    FptrFailure.Refused refusal() { return refusal; }
}
